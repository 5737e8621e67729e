# Shared helpers for the integration tests (sourced). TAP output, work dir, cleanup,
# deadline polling. Every test kills only the processes it started.
set -u
: "${ECE_AUDITD:?ECE_AUDITD must point at the binary (make check sets it)}"
: "${TOP_SRCDIR:?}"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/ece-it.XXXXXX)
PIDS=""
tap_n=0
tap_fail=0
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    if [ "$tap_fail" = 0 ] && [ -z "${KEEP:-}" ]; then rm -rf "$T"; else echo "# work dir kept: $T"; fi
}
trap cleanup EXIT INT TERM
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_fail=$((tap_fail + 1)); echo "not ok $tap_n - $*"; }
check() { # check "description" command...
    local d=$1; shift
    if "$@" >"$T/check.out" 2>&1; then ok "$d"; else not_ok "$d"; sed 's/^/# /' "$T/check.out" | head -40; fi
}
finish() { echo "1..$tap_n"; [ "$tap_fail" = 0 ]; }
# wait_for CMD... : poll until the command succeeds, 30 s deadline (DEADLINE overrides)
wait_for() {
    local end=$(( $(date +%s) + ${DEADLINE:-30} ))
    while ! "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -ge "$end" ] && return 1
        sleep 0.1
    done
}
# start_emulator [args...]: starts the ES emulator, sets ES_PORT, ES_URL, ES_PID
start_emulator() {
    rm -f "$T/es.port"
    $PY "$TOP_SRCDIR/tests/peers/es_emulator.py" --port 0 --port-file "$T/es.port" --control "$@" \
        >"$T/es.log" 2>&1 &
    ES_PID=$!
    PIDS="$PIDS $ES_PID"
    wait_for test -s "$T/es.port" || { echo "# emulator did not start"; cat "$T/es.log"; return 1; }
    ES_PORT=$(cat "$T/es.port")
    ES_URL="http://127.0.0.1:$ES_PORT"
}
