#!/usr/bin/env bash
# The main job on a fresh Debian machine (as root): set everything up, bring up the rig
# (PostgreSQL, Asterisk 22, a sipp "carrier" with a population of debtors), and let the
# service place a few real demo calls, printing what happened to each.
source "$(dirname "$0")/lib.sh"
cd "$SAIKOKU_ROOT"

bash deploy/setup.sh
bash deploy/postgres.sh ensure >/dev/null
"$SAIKOKU" db upgrade
bash deploy/asterisk.sh start

# The debtors: one sipp process answering as the carrier on the trunk address.
trunk_port="$(setting TRUNK_PORT)"; trunk_port="${trunk_port:-5070}"
bash deploy/sipp.sh start debtors debtor_uas.xml "$trunk_port" 32000 5090
trap 'bash deploy/sipp.sh stop debtors' EXIT
# Tell Asterisk the trunk is reachable now instead of waiting for the next OPTIONS ping.
bash deploy/asterisk.sh cli "pjsip qualify trunk" >/dev/null

SAIKOKU_LOG_LEVEL="${SAIKOKU_LOG_LEVEL:-warning}" "$SAIKOKU" demo
say "demo done; Asterisk keeps running (bash deploy/asterisk.sh stop to end it)"
