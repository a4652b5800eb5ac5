#!/usr/bin/env bash
# The Asterisk 22 of the rig: ensure | start | stop | kill | status | cli "COMMAND".
#
# Uses the system's asterisk when one is on PATH, with a private config and run folder so the
# system's own configuration is never touched. Otherwise (Debian 12 has no asterisk package)
# builds a Debian sid chroot with debootstrap (about 40 s the first time), cached once per
# machine in $SAIKOKU_CACHE_DIR (default /var/cache/saikoku) so every clone — CI's included —
# reuses it instead of downloading it again.
# Every start renders asterisk-conf/ with the service's settings (saikoku pbx conf).
source "$(dirname "$0")/lib.sh"

CACHE_DIR="${SAIKOKU_CACHE_DIR:-/var/cache/saikoku}"
CHROOT="$CACHE_DIR/asterisk-sid"
LOGFILE="$RIG_DIR/asterisk.log"

if command -v asterisk >/dev/null 2>&1 && [ -z "${SAIKOKU_FORCE_CHROOT:-}" ]; then
    MODE=system
    SYSROOT="$RIG_DIR/asterisk-system"
    ETC="$SYSROOT/etc"
    PIDFILE="$RIG_DIR/asterisk.pid"
else
    MODE=chroot
    ETC="$CHROOT/etc/asterisk"
    # Beside the shared chroot, not in the clone: whichever clone started it, one runs.
    PIDFILE="$CACHE_DIR/asterisk.pid"
fi

debian_mirror() {
    # The mirror this machine already uses, so the chroot needs no other network access.
    local m=""
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        m="$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)"
    elif [ -f /etc/apt/sources.list ]; then
        m="$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list)"
    fi
    printf '%s' "${m%/}"
}

ensure() {
    if [ "$MODE" = system ]; then
        mkdir -p "$SYSROOT"/{etc,run,log,spool,lib,cache}
        return
    fi
    [ -f "$CHROOT/.saikoku-ready" ] && return
    [ "$(id -u)" = 0 ] || die "building the Asterisk chroot needs root (debootstrap, chroot)"
    unmount_all
    rm -rf --one-file-system "$CHROOT"
    mkdir -p "$CACHE_DIR"
    say "building the Asterisk chroot (Debian sid) in $CHROOT"
    debootstrap --variant=minbase sid "$CHROOT" $(debian_mirror) >"$RIG_DIR/debootstrap.log" 2>&1 \
        || die "debootstrap failed, see $RIG_DIR/debootstrap.log"
    mount_proc
    # A frozen mirror serves sid with an old Release date: accept it.
    chroot "$CHROOT" apt-get -o Acquire::Check-Valid-Until=false update -qq >>"$RIG_DIR/debootstrap.log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive chroot "$CHROOT" apt-get install -y -qq --no-install-recommends asterisk \
        >>"$RIG_DIR/debootstrap.log" 2>&1 || die "installing asterisk failed, see $RIG_DIR/debootstrap.log"
    touch "$CHROOT/.saikoku-ready"
}

mount_proc() {
    mountpoint -q "$CHROOT/proc" || mount -t proc proc "$CHROOT/proc"
}

unmount_all() {
    [ -d "$CHROOT/proc" ] && mountpoint -q "$CHROOT/proc" && umount -l "$CHROOT/proc"
    return 0
}

running() {
    [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null
}

ast() {  # run the asterisk binary against the rig's instance
    if [ "$MODE" = system ]; then
        asterisk -C "$ETC/asterisk.conf" "$@"
    else
        chroot "$CHROOT" /usr/sbin/asterisk "$@"
    fi
}

# The rig's operator phones are one sipp auto-answer process on a fixed port (tests/sipp/
# operator_phone_uas.xml); a real center's phones register instead (leave this unset there).
RIG_OPERATOR_CONTACT="sip:{endpoint}@127.0.0.1:5072"

configure() {
    SAIKOKU_OPERATOR_PHONE_CONTACT="${SAIKOKU_OPERATOR_PHONE_CONTACT-$RIG_OPERATOR_CONTACT}" \
        "$SAIKOKU" pbx conf --dest "$ETC" >/dev/null
    message_sound courtesy "${SAIKOKU_COURTESY_WAV:-}"
    message_sound machine "${SAIKOKU_MACHINE_MESSAGE_WAV:-}"
    if [ "$MODE" = system ]; then
        local moddir
        moddir="$(sed -n 's/^astmoddir *=> *//p' /etc/asterisk/asterisk.conf 2>/dev/null | head -n1)"
        cat > "$ETC/asterisk.conf" <<CONF
[directories]
astetcdir => $ETC
astmoddir => ${moddir:-/usr/lib/asterisk/modules}
astvarlibdir => $SYSROOT/lib
astdbdir => $SYSROOT/lib
astkeydir => $SYSROOT/lib
astdatadir => /usr/share/asterisk
astspooldir => $SYSROOT/spool
astrundir => $SYSROOT/run
astlogdir => $SYSROOT/log
[options]
CONF
    else
        # Without its own hostname in /etc/hosts, Asterisk resolves it on every call (~15 calls/s).
        printf '127.0.0.1 localhost %s\n::1 localhost ip6-localhost\n' "$(hostname)" > "$CHROOT/etc/hosts"
        mkdir -p "$CHROOT/var/run/asterisk" "$CHROOT/var/spool/asterisk/recording"
    fi
}

# A spoken message (courtesy: abandoned calls; machine: left on answering machines), spoken
# from the rendered <name>-message.txt. A recorded human voice can replace it:
# SAIKOKU_COURTESY_WAV / SAIKOKU_MACHINE_MESSAGE_WAV=/path/to/file.wav (any rate, mono).
message_sound() {
    local name="$1" src="$2" dir
    if [ "$MODE" = system ]; then dir="/usr/share/asterisk/sounds/saikoku"; else dir="$CHROOT/usr/share/asterisk/sounds/saikoku"; fi
    mkdir -p "$dir"
    if [ -z "$src" ]; then
        src="$RIG_DIR/$name-tts.wav"
        espeak-ng -v ja -s 170 -w "$src" "$(cat "$ETC/$name-message.txt")"
    fi
    sox "$src" -r 8000 -c 1 -b 16 "$dir/$name.wav"
}

# A fingerprint of the configuration this checkout's settings render. The chroot is shared by
# every clone on the machine: one started by another clone (other secrets) is restarted.
conf_fingerprint() {
    local tmp; tmp="$(mktemp -d)"
    SAIKOKU_OPERATOR_PHONE_CONTACT="${SAIKOKU_OPERATOR_PHONE_CONTACT-$RIG_OPERATOR_CONTACT}" \
        "$SAIKOKU" pbx conf --dest "$tmp" >/dev/null
    cat "$tmp"/* | sha256sum | cut -c1-32
    rm -rf "$tmp"
}

start() {
    ensure
    local fingerprint; fingerprint="$(conf_fingerprint)"
    if running && [ "$(cat "$PIDFILE.conf" 2>/dev/null)" != "$fingerprint" ]; then
        say "asterisk runs another configuration (another checkout?): restarting it"
        stop
    fi
    if running; then
        say "asterisk already running (pid $(cat "$PIDFILE"))"
    else
        configure
        [ "$MODE" = chroot ] && mount_proc
        say "starting asterisk ($MODE)"
        # -f: foreground (we hold the pid), -n: no colour codes in the log.
        if [ "$MODE" = system ]; then
            setsid asterisk -C "$ETC/asterisk.conf" -f -n >"$LOGFILE" 2>&1 < /dev/null &
        else
            setsid chroot "$CHROOT" /usr/sbin/asterisk -f -n >"$LOGFILE" 2>&1 < /dev/null &
        fi
        echo $! > "$PIDFILE"
        echo "$fingerprint" > "$PIDFILE.conf"
    fi
    SAIKOKU_LOG_LEVEL=warning "$SAIKOKU" pbx wait-ready --timeout "${1:-60}" || { tail -n 30 "$LOGFILE" >&2; die "asterisk did not become ready"; }
}

stop() {
    if running; then
        local pid; pid="$(cat "$PIDFILE")"
        ast -rx "core stop now" >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE"
    [ "$MODE" = chroot ] && unmount_all
    say "asterisk stopped"
}

# For failure tests: the PBX dies without a word.
kill_hard() {
    running && kill -KILL "$(cat "$PIDFILE")" || true
    rm -f "$PIDFILE"
}

case "${1:-}" in
    ensure) ensure ;;
    start) shift; start "$@" ;;
    stop) stop ;;
    kill) kill_hard ;;
    restart) stop; start ;;
    status) if running; then echo "running (pid $(cat "$PIDFILE"), $MODE)"; else echo stopped; exit 3; fi ;;
    cli) shift; ast -rx "$*" ;;
    *) echo "usage: $0 ensure|start|stop|kill|restart|status|cli COMMAND" >&2; exit 2 ;;
esac
