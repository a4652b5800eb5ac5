#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine (as root): installs what is missing,
# makes sure PostgreSQL is there, then runs unit, database and PBX tests. Asterisk and the
# sipp phones are started by the tests themselves (tests/pbx/conftest.py) through
# deploy/asterisk.sh, and stopped again if they were not running before.
# Extra arguments go to pytest, e.g. `bash deploy/test.sh -m "not pbx"`.
source "$(dirname "$0")/lib.sh"
cd "$SAIKOKU_ROOT"

bash deploy/setup.sh
bash deploy/postgres.sh ensure >/dev/null
bash deploy/asterisk.sh ensure
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
"$VENV/bin/lint-imports"          # the layers contract in .importlinter
"$VENV/bin/mypy"
exec "$VENV/bin/pytest" "$@"
