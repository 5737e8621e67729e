# kafka_lib.sh - shared steps of the kafka_*.sh tests (sourced, not run).
# Starts tests/peers/kafka_mock (librdkafka's mock cluster) on loopback with a control FIFO,
# runs tests/peers/kafka_driver (output_kafka_ops from libagent), reads back with kcat.

TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR}
MOCK=$TOP_BUILDDIR/tests/peers/kafka_mock
DRIVER=$TOP_BUILDDIR/tests/peers/kafka_driver
CHECK="/usr/bin/python3 $TOP_SRCDIR/tests/integration/kafka_check.py"
TOPIC=ece-audit

T=$(mktemp -d "${TMPDIR:-/tmp}/kafka-test.XXXXXX")
PIDS=""
TAP_N=0
TAP_FAILED=0
MOCK_CMDS=0

cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    if [ "$TAP_FAILED" -ne 0 ]; then
        echo "# work dir kept: $T"
        for f in "$T"/*.log "$T"/*.err; do
            [ -f "$f" ] && { echo "# --- $f"; tail -n 15 "$f" | sed 's/^/# /'; }
        done
    else
        rm -rf "$T"
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

tap_ok() {  # tap_ok CONDITION-EXIT-STATUS DESCRIPTION
    TAP_N=$((TAP_N + 1))
    if [ "$1" -eq 0 ]; then echo "ok $TAP_N - $2"; else echo "not ok $TAP_N - $2"; TAP_FAILED=1; fi
}

skip_all() { echo "1..0 # SKIP $1"; exit 77; }

kafka_require() {
    command -v kcat >/dev/null 2>&1 || skip_all "kcat not installed"
    [ -x "$MOCK" ] && [ -x "$DRIVER" ] || skip_all "run 'make check' to build the kafka peers"
}

now_ms() { date +%s%3N; }

wait_for_file() {  # wait_for_file PATH SECONDS
    _dl=$(( $(now_ms) + $2 * 1000 ))
    while [ ! -s "$1" ]; do
        [ "$(now_ms)" -ge "$_dl" ] && return 1
        sleep 0.05
    done
}

start_mock() {  # start_mock PARTITIONS -> $BOOTSTRAPS
    mkfifo "$T/ctl"
    "$MOCK" --bootstraps-file "$T/bootstraps" --control "$T/ctl" --topic "$TOPIC" \
        --partitions "$1" >"$T/mock.log" 2>"$T/mock.err" &
    PIDS="$PIDS $!"
    wait_for_file "$T/bootstraps" 10 || { echo "Bail out! kafka_mock did not start"; exit 1; }
    BOOTSTRAPS=$(cat "$T/bootstraps")
}

mock_cmd() {  # mock_cmd "down 1": send a command and wait for the mock's answer
    MOCK_CMDS=$((MOCK_CMDS + 1))
    echo "$1" >"$T/ctl"
    _dl=$(( $(now_ms) + 5000 ))
    while ! grep -q "^ok $MOCK_CMDS " "$T/mock.log"; do
        if grep -q "^error $MOCK_CMDS " "$T/mock.log" || [ "$(now_ms)" -ge "$_dl" ]; then
            echo "# mock command failed: $1"
            return 1
        fi
        sleep 0.02
    done
}

progress() { cat "$T/progress" 2>/dev/null || echo 0; }

wait_for_progress() {  # wait_for_progress ACKED SECONDS
    _dl=$(( $(now_ms) + $2 * 1000 ))
    while [ "$(progress)" -lt "$1" ]; do
        [ "$(now_ms)" -ge "$_dl" ] && return 1
        sleep 0.05
    done
}

start_driver() {  # start_driver ARGS...: in the background, with a progress file -> $DRIVER_PID
    "$DRIVER" --brokers "$BOOTSTRAPS" --topic "$TOPIC" --progress-file "$T/progress" "$@" \
        >"$T/driver.out" 2>"$T/driver.err" &
    DRIVER_PID=$!
    PIDS="$PIDS $DRIVER_PID"
}

# the driver's summary field NAME (e.g. acked) from its last output line
driver_field() { sed -n "s/^\(.* \)\{0,1\}$1=\([0-9]*\).*/\2/p" "$T/driver.out" | tail -n 1; }

consume() {  # consume: everything in the topic -> $T/consumed
    timeout 60 kcat -C -b "$BOOTSTRAPS" -t "$TOPIC" -e -q -Z -f '%k\t%h\t%s\n' \
        >"$T/consumed" 2>"$T/kcat.err"
}
