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
bash tests/sipp/make_audio.sh "$RIG_DIR/audio" >/dev/null
trunk_port="$(setting TRUNK_PORT)"; trunk_port="${trunk_port:-5070}"
sipp -sf tests/sipp/debtor_uas.xml -i 127.0.0.1 -p "$trunk_port" -mi 127.0.0.1 \
    -key audio_dir "$RIG_DIR/audio" -aa -nostdin >/dev/null 2>&1 &
sipp_pid=$!
trap 'kill $sipp_pid 2>/dev/null || true' EXIT
sleep 0.5
# Tell Asterisk the trunk is reachable now instead of waiting for the next OPTIONS ping.
bash deploy/asterisk.sh cli "pjsip qualify trunk" >/dev/null

SAIKOKU_LOG_LEVEL="${SAIKOKU_LOG_LEVEL:-warning}" "$SAIKOKU" demo
say "demo done; Asterisk keeps running (bash deploy/asterisk.sh stop to end it)"
