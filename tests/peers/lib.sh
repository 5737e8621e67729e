# lib.sh - shared helpers for the syslog integration tests (POSIX sh, sourced).
# Starts real rsyslog / syslog-ng receivers on loopback in a per-test mktemp -d directory,
# waits with deadlines (never fixed sleeps), prints TAP, and on exit kills only the PIDs
# it started. Variables set: T (work dir), OUT_DRIVER, PEERS, PY.

PY=/usr/bin/python3
_here=$(cd "$(dirname "$0")" && pwd)
: "${TOP_SRCDIR:=$(cd "$_here/../.." && pwd)}"
: "${TOP_BUILDDIR:=$TOP_SRCDIR}"
PEERS="$TOP_SRCDIR/tests/peers"
OUT_DRIVER="$TOP_BUILDDIR/tests/peers/out_driver"
_PIDS=""
_TAP_N=0
_TAP_FAILED=0

# ---- TAP -------------------------------------------------------------------------------
tap_plan() { echo "1..$1"; }
tap_ok() { _TAP_N=$((_TAP_N + 1)); echo "ok $_TAP_N - $1"; }
tap_fail() {
    _TAP_N=$((_TAP_N + 1)); _TAP_FAILED=$((_TAP_FAILED + 1))
    echo "not ok $_TAP_N - $1"
    [ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/# /'
}
# tap_check DESC CMD...: ok when CMD succeeds
tap_check() {
    _d=$1; shift
    if _o=$("$@" 2>&1); then tap_ok "$_d"; else tap_fail "$_d" "$_o"; fi
}
diag() { printf '%s\n' "$*" | sed 's/^/# /'; }
skip_all() { echo "1..0 # SKIP $1"; exit 0; }
# bail DESC: stop the test with a failure (e.g. a receiver did not start)
bail() { echo "Bail out! $1"; exit 1; }

# ---- work dir and processes ------------------------------------------------------------
lib_init() {
    [ -x "$OUT_DRIVER" ] || skip_all "out_driver not built ($OUT_DRIVER)"
    T=$(mktemp -d "${TMPDIR:-/tmp}/ece-syslog.XXXXXX")
    mkdir -p "$T/out" "$T/work"
    trap lib_cleanup EXIT
    trap 'exit 1' INT TERM
}

track_pid() { _PIDS="$_PIDS $1"; }
untrack_pid() {
    _n=""
    for _p in $_PIDS; do [ "$_p" = "$1" ] || _n="$_n $_p"; done
    _PIDS=$_n
}

lib_cleanup() {
    for _p in $_PIDS; do kill -TERM "$_p" 2>/dev/null; done
    for _p in $_PIDS; do
        _i=0
        while kill -0 "$_p" 2>/dev/null && [ $_i -lt 50 ]; do _i=$((_i + 1)); sleep 0.1; done
        kill -KILL "$_p" 2>/dev/null
    done
    if [ -n "${KEEP_TMP:-}" ] || [ "$_TAP_FAILED" -gt 0 ]; then
        echo "# work dir kept: $T"
    else
        rm -rf "$T"
    fi
}

# ---- waiting with deadlines ------------------------------------------------------------
# now_ms: monotonic-enough wall clock in ms
now_ms() { $PY -c 'import time; print(int(time.monotonic() * 1000))'; }

# wait_for_file FILE [SECONDS=10]
wait_for_file() {
    $PY - "$1" "${2:-10}" <<'EOF'
import os, sys, time
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    if os.path.exists(sys.argv[1]) and os.path.getsize(sys.argv[1]) > 0:
        sys.exit(0)
    time.sleep(0.02)
sys.exit(1)
EOF
}

# line_count FILE: lines in FILE (0 when missing)
line_count() { if [ -f "$1" ]; then wc -l < "$1" | tr -d ' '; else echo 0; fi; }

# wait_for_lines FILE N [SECONDS=20]: until FILE has at least N lines
wait_for_lines() {
    $PY - "$1" "$2" "${3:-20}" <<'EOF'
import os, sys, time
path, want, end = sys.argv[1], int(sys.argv[2]), time.monotonic() + float(sys.argv[3])
while True:
    n = 0
    if os.path.exists(path):
        with open(path, 'rb') as f:
            n = sum(chunk.count(b'\n') for chunk in iter(lambda: f.read(1 << 20), b''))
    if n >= want:
        sys.exit(0)
    if time.monotonic() >= end:
        print("%s: %d lines, wanted %d" % (path, n, want))
        sys.exit(1)
    time.sleep(0.05)
EOF
}

# wait_stable FILE [QUIET_MS=700] [SECONDS=20]: until FILE stops growing for QUIET_MS
wait_stable() {
    $PY - "$1" "${2:-700}" "${3:-20}" <<'EOF'
import os, sys, time
path, quiet, end = sys.argv[1], float(sys.argv[2]) / 1000, time.monotonic() + float(sys.argv[3])
last, since = -1, time.monotonic()
while time.monotonic() < end:
    n = os.path.getsize(path) if os.path.exists(path) else 0
    if n != last:
        last, since = n, time.monotonic()
    elif time.monotonic() - since >= quiet:
        sys.exit(0)
    time.sleep(0.05)
sys.exit(1)
EOF
}

# free_port tcp|udp: a port the kernel just handed out (the tiny race is accepted: rsyslog
# cannot write a port file)
free_port() {
    $PY - "$1" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1] == 'udp' else socket.SOCK_STREAM)
s.bind(('127.0.0.1', 0))
print(s.getsockname()[1])
EOF
}

# wait_for_listen tcp|udp PORT [SECONDS=10]: until something listens on 127.0.0.1:PORT
wait_for_listen() {
    $PY - "$1" "$2" "${3:-10}" <<'EOF'
import sys, time
proto, port, end = sys.argv[1], int(sys.argv[2]), time.monotonic() + float(sys.argv[3])
state = '0A' if proto == 'tcp' else '07'
while time.monotonic() < end:
    for f in ('/proc/net/%s' % proto, '/proc/net/%s6' % proto):
        try:
            lines = open(f).read().splitlines()[1:]
        except OSError:
            continue
        for l in lines:
            p = l.split()
            if int(p[1].split(':')[1], 16) == port and p[3] == state:
                sys.exit(0)
    time.sleep(0.02)
sys.exit(1)
EOF
}

# subst TEMPLATE OUTPUT NAME=VALUE...: replace @NAME@ by VALUE
subst() {
    _in=$1; _out=$2; shift 2
    cp "$_in" "$_out"
    for _kv in "$@"; do
        sed -i "s|@${_kv%%=*}@|${_kv#*=}|g" "$_out"
    done
}

# ---- rsyslog ---------------------------------------------------------------------------
# rsyslog_setup [TEMPLATE]: ports RS_UDP RS_TCP RS_TLS RS_MTLS, config $T/rsyslog.conf
rsyslog_setup() {
    command -v rsyslogd >/dev/null 2>&1 || skip_all "rsyslogd not installed"
    RS_UDP=${RS_UDP:-$(free_port udp)}
    RS_TCP=${RS_TCP:-$(free_port tcp)}
    RS_TLS=${RS_TLS:-$(free_port tcp)}
    RS_MTLS=${RS_MTLS:-$(free_port tcp)}
    subst "${1:-$PEERS/rsyslog/rsyslog.conf.in}" "$T/rsyslog.conf" DIR="$T" PKI="$T/pki" \
        SRC="$PEERS/rsyslog" UDP_PORT="$RS_UDP" TCP_PORT="$RS_TCP" TLS_PORT="$RS_TLS" \
        MTLS_PORT="$RS_MTLS"
    rsyslogd -N1 -f "$T/rsyslog.conf" >"$T/rsyslog.check" 2>&1 ||
        bail "rsyslog config invalid: $(cat "$T/rsyslog.check")"
}

rsyslog_start() {
    rm -f "$T/rsyslog.pid"
    rsyslogd -n -f "$T/rsyslog.conf" -i "$T/rsyslog.pid" >>"$T/rsyslog.log" 2>&1 &
    RS_PID=$!
    track_pid "$RS_PID"
    wait_for_listen tcp "$RS_TCP" && wait_for_listen tcp "$RS_TLS" && wait_for_listen udp "$RS_UDP" ||
        bail "rsyslog did not start: $(tail -5 "$T/rsyslog.log")"
}

# rsyslog_stop [SIGNAL=TERM]: stop the instance and wait for it to exit
rsyslog_stop() {
    kill "-${1:-TERM}" "$RS_PID" 2>/dev/null
    wait "$RS_PID" 2>/dev/null
    untrack_pid "$RS_PID"
    rm -f "$T/rsyslog.pid"
}

# ---- syslog-ng (unpacked beside rsyslog, formats.md 4.6) ---------------------------------
# sng_setup: ports SNG_UDP SNG_TCP SNG_TCPLF SNG_TLS SNG_MTLS, output files in $T/sng/
sng_setup() {
    SNG_ROOT=$(sh "$PEERS/syslog-ng-install.sh" 2>"$T/sng-install.log") ||
        skip_all "syslog-ng unavailable: $(tail -1 "$T/sng-install.log")"
    SNG_UDP=${SNG_UDP:-$(free_port udp)}
    SNG_TCP=${SNG_TCP:-$(free_port tcp)}
    SNG_TCPLF=${SNG_TCPLF:-$(free_port tcp)}
    SNG_TLS=${SNG_TLS:-$(free_port tcp)}
    SNG_MTLS=${SNG_MTLS:-$(free_port tcp)}
    mkdir -p "$T/sng"
    subst "$PEERS/syslog-ng/syslog-ng.conf.in" "$T/syslog-ng.conf" OUT="$T/sng" PKI="$T/pki" \
        UDP_PORT="$SNG_UDP" TCP_PORT="$SNG_TCP" TCPLF_PORT="$SNG_TCPLF" TLS_PORT="$SNG_TLS" \
        MTLS_PORT="$SNG_MTLS"
    LD_LIBRARY_PATH="$SNG_ROOT/usr/lib/syslog-ng" "$SNG_ROOT/usr/sbin/syslog-ng" \
        --module-path="$SNG_ROOT/usr/lib/syslog-ng/3.38" -f "$T/syslog-ng.conf" -s \
        >"$T/sng.check" 2>&1 || bail "syslog-ng config invalid: $(cat "$T/sng.check")"
}

sng_start() {
    # a simple command, so that $! is syslog-ng itself (a function would be a subshell)
    LD_LIBRARY_PATH="$SNG_ROOT/usr/lib/syslog-ng" "$SNG_ROOT/usr/sbin/syslog-ng" \
        --module-path="$SNG_ROOT/usr/lib/syslog-ng/3.38" -f "$T/syslog-ng.conf" \
        -F -e --no-caps -R "$T/syslog-ng.persist" -c "$T/syslog-ng.ctl" \
        -p "$T/syslog-ng.pid" >>"$T/syslog-ng.log" 2>&1 &
    SNG_PID=$!
    track_pid "$SNG_PID"
    wait_for_listen tcp "$SNG_TCP" && wait_for_listen tcp "$SNG_TCPLF" &&
        wait_for_listen tcp "$SNG_TLS" && wait_for_listen udp "$SNG_UDP" ||
        bail "syslog-ng did not start: $(tail -5 "$T/syslog-ng.log")"
}

sng_stop() {
    kill "-${1:-TERM}" "$SNG_PID" 2>/dev/null
    wait "$SNG_PID" 2>/dev/null
    untrack_pid "$SNG_PID"
}

# ---- certificates and the driver ---------------------------------------------------------
make_certs() { sh "$PEERS/gen-certs.sh" "$T/pki" || bail "gen-certs.sh failed"; }

# drv ARGS...: run out_driver (stdout = its counters line, stderr -> $T/drv.log)
drv() { "$OUT_DRIVER" "$@" 2>>"$T/drv.log"; }

# kv KEY LINE: the value of KEY=... in a "k=v k=v" line
kv() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
