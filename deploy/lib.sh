# Shared by the deploy scripts: paths and small helpers. Source it, don't run it.
set -euo pipefail

SAIKOKU_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RIG_DIR="${SAIKOKU_RIG_DIR:-$SAIKOKU_ROOT/.rig}"
VENV="$SAIKOKU_ROOT/.venv"
SAIKOKU="$VENV/bin/saikoku"
mkdir -p "$RIG_DIR"

say() { printf '[saikoku] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# Read one setting the way the service does: environment first, then .env.
setting() {
    local name="SAIKOKU_$1" value
    value="${!name:-}"
    if [ -z "$value" ] && [ -f "$SAIKOKU_ROOT/.env" ]; then
        value="$(sed -n "s/^${name}=//p" "$SAIKOKU_ROOT/.env" | tail -n 1)"
    fi
    printf '%s' "$value"
}
