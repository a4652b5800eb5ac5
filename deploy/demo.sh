#!/usr/bin/env bash
# The main job on a fresh Debian machine (as root): set everything up, bring up the rig
# (PostgreSQL, Asterisk 22, a sipp "carrier" with a population of debtors, sipp desk phones
# for three operators), import a synthetic ward, plan a campaign and run it for a few
# minutes (saikoku demo --minutes N), printing the floor as it goes.
source "$(dirname "$0")/lib.sh"
cd "$SAIKOKU_ROOT"

bash deploy/setup.sh
bash deploy/postgres.sh ensure >/dev/null
"$SAIKOKU" db upgrade
bash deploy/asterisk.sh start

# The debtors: one sipp process answering as the carrier on the trunk address.
trunk_port="$(setting TRUNK_PORT)"; trunk_port="${trunk_port:-5070}"
bash deploy/sipp.sh start debtors debtor_uas.xml "$trunk_port" 32000 5090
# The operators' desk phones: one auto-answering sipp at the rig's fixed contact.
bash deploy/sipp.sh start operators operator_phone_uas.xml 5072 32010 5092
trap 'bash deploy/sipp.sh stop operators; bash deploy/sipp.sh stop debtors' EXIT

SAIKOKU_LOG_LEVEL="${SAIKOKU_LOG_LEVEL:-warning}" "$SAIKOKU" demo "$@"
say "demo done; Asterisk keeps running (bash deploy/asterisk.sh stop to end it)"
