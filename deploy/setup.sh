#!/usr/bin/env bash
# Installs what Saikoku needs on a fresh Debian machine (as root) and the Python environment.
# Idempotent: a second run only checks. Writes .env with random secrets when there is none.
source "$(dirname "$0")/lib.sh"

need_pkgs=()
# what:package — a command on PATH, or (starting with /) a file the package installs
for pair in debootstrap:debootstrap sipp:sip-tester espeak-ng:espeak-ng sox:sox curl:curl \
            pg_isready:postgresql-client chromium:chromium \
            /usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf:fonts-ipaexfont-mincho \
            /usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf:fonts-ipaexfont-gothic; do
    what="${pair%%:*}"
    if [[ "$what" == /* ]]; then [ -e "$what" ]; else command -v "$what" >/dev/null 2>&1; fi \
        || need_pkgs+=("${pair#*:}")
done
if [ "${#need_pkgs[@]}" -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "run as root to install: ${need_pkgs[*]}"
    say "installing Debian packages: ${need_pkgs[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

stamp="$VENV/.installed-$(sha256sum "$SAIKOKU_ROOT/pyproject.toml" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    say "creating the Python environment in .venv"
    python3 -m venv "$VENV"
    { "$VENV/bin/pip" install --upgrade pip && "$VENV/bin/pip" install -e "$SAIKOKU_ROOT[test]"; } \
        >"$RIG_DIR/pip.log" 2>&1 || { tail -n 30 "$RIG_DIR/pip.log" >&2; die "pip install failed"; }
    rm -f "$VENV"/.installed-*
    touch "$stamp"
fi

if [ ! -f "$SAIKOKU_ROOT/.env" ]; then
    say "writing .env with new random secrets"
    ( umask 077
      { echo "# Local settings for this machine (secrets: never commit). See saikoku/config/settings.py."
        echo "SAIKOKU_AMI_SECRET=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
        echo "SAIKOKU_ARI_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
        echo "SAIKOKU_OPERATOR_PHONE_SECRET=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')"
      } > "$SAIKOKU_ROOT/.env" )
fi
