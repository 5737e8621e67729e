#!/bin/bash
# Outages: Elasticsearch down at start-up, down mid-sweep (OUTAGE_S seconds, default 5; 60
# by hand), responses slower than the timeout, shard failures; and a full / read-only state
# directory under the checkpoint. Every scenario: zero loss, zero duplicates.
. "$TOP_SRCDIR/tests/integration/common.sh"
N=${OUTAGE_DOCS:-10000}
OUT_S=${OUTAGE_S:-5}
$PY "$TOP_SRCDIR/tests/peers/es_load.py" --count "$N" --seed 9 --out "$T/docs.ndjson" >/dev/null || exit 1
$PY -c '
import json, sys
for l in open(sys.argv[1]): print(json.loads(l).get("_source", json.loads(l))["request_id"])' \
    "$T/docs.ndjson" | sort >"$T/want.ids"
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
emu_start() {
    $PY "$TOP_SRCDIR/tests/peers/es_emulator.py" --port "$PORT" --port-file "$T/es.port.$1" --control \
        --data "$T/docs.ndjson" >>"$T/es.log" 2>&1 &
    ES_PID=$!
    PIDS="$PIDS $ES_PID"
}
ES_URL="http://127.0.0.1:$PORT"
conf() { # $1 name, $2 checkpoint path
    cat >"$T/$1.conf" <<CONF
source = { url = "$ES_URL"; index = "services-logs*"; page_size = 250; poll_interval = "200ms";
           settle_delay = "0s"; start_at = "beginning"; timeout = "1s"; };
checkpoint = { path = "$2"; };
events = { forward_read_only = true; };
outputs = ( { name = "f"; type = "file"; path = "$T/$1.out"; format = "json"; header = "none"; } );
CONF
}
exactly_once() {
    $PY -c '
import json, sys
for l in open(sys.argv[1]):
    try: print(json.loads(l)["http"]["request"]["id"])
    except ValueError: pass' "$1" | sort >"$T/got.ids"
    local d m
    d=$(uniq -d "$T/got.ids" | wc -l); m=$(comm -23 "$T/want.ids" <(sort -u "$T/got.ids") | wc -l)
    echo "missing=$m duplicated=$d"
    [ "$d" = 0 ] && [ "$m" = 0 ]
}
faults() { curl -s -XPOST "$ES_URL/_emulator/faults" -d "$1" >/dev/null; }

# 1. down at start-up: the agent waits, then delivers everything once
conf start "$T/start.cp"
"$ECE_AUDITD" --once -c "$T/start.conf" 2>"$T/start.err" &
apid=$!
PIDS="$PIDS $apid"
wait_for grep -qiE 'connect|refused' "$T/start.err"
emu_start a
wait "$apid"; rc=$?
check "ES down at start-up: --once waits for it and exits 0" test "$rc" = 0
check "ES down at start-up: exactly once" exactly_once "$T/start.out"

# 2. down mid-sweep for OUT_S seconds (killed, restarted on the same port with the same data)
conf mid "$T/mid.cp"
wait_for test -s "$T/es.port.a"
faults '{"slow_ms":30,"slow_rate":1.0}'
"$ECE_AUDITD" --once -c "$T/mid.conf" 2>"$T/mid.err" &
apid=$!
PIDS="$PIDS $apid"
wait_for bash -c "[ \$(wc -l <'$T/mid.out' 2>/dev/null || echo 0) -ge $((N / 4)) ]"
kill -9 "$ES_PID"; wait "$ES_PID" 2>/dev/null
sleep "$OUT_S"   # the outage itself
emu_start b
DEADLINE=120 wait_for test -s "$T/es.port.b"
wait "$apid"; rc=$?
check "ES down ${OUT_S}s mid-sweep: --once completes (exit 0)" test "$rc" = 0
check "ES down ${OUT_S}s mid-sweep: exactly once" exactly_once "$T/mid.out"
check "the outage was logged" grep -qiE 'connect|refused|retry|fail' "$T/mid.err"

# 3. responses slower than the timeout (30% of requests 3 s with a 1 s timeout) + shard failures
conf slow "$T/slow.cp"
faults '{"slow_ms":3000,"slow_rate":0.3,"shard_failure_rate":0.1,"seed":5}'
DEADLINE=300 check "slow responses and shard failures: --once exits 0" "$ECE_AUDITD" --once -c "$T/slow.conf"
check "slow responses and shard failures: exactly once" exactly_once "$T/slow.out"
faults '{}'

# 4. checkpoint directory full, then read-only: the agent stops advancing, says so, recovers
if mkdir -p "$T/state" && mount -t tmpfs -o size=256k tmpfs "$T/state" 2>/dev/null; then
    conf full "$T/state/cp.json"
    faults '{"slow_ms":30,"slow_rate":1.0}'
    "$ECE_AUDITD" -c "$T/full.conf" 2>"$T/full.err" &
    apid=$!
    PIDS="$PIDS $apid"
    wait_for test -s "$T/state/cp.json"
    dd if=/dev/zero of="$T/state/filler" bs=4k count=1000 2>/dev/null   # fill the file system
    wait_for grep -q 'cannot write checkpoint' "$T/full.err"
    before=$(wc -l <"$T/full.out")
    sleep 1   # while the disk is full the agent must not move on
    check "disk full: the agent stops advancing and says so" \
        bash -c "[ \$(wc -l <'$T/full.out') -le \$(( $before + 250 )) ]"
    rm -f "$T/state/filler"
    wait_for grep -q 'checkpoint writable again' "$T/full.err"
    check "disk full: recovers when space returns" grep -q 'checkpoint writable again' "$T/full.err"
    mount -o remount,ro "$T/state"
    n_err=$(grep -c 'cannot write checkpoint' "$T/full.err")
    wait_for bash -c "[ \$(grep -c 'cannot write checkpoint' '$T/full.err') -gt $n_err ]"
    mount -o remount,rw "$T/state"
    faults '{}'
    DEADLINE=60 wait_for bash -c "[ \$($PY -c 'import json,sys; print(sum(1 for _ in open(sys.argv[1])))' '$T/full.out') -ge $N ]"
    kill -TERM "$apid"; wait "$apid"; rc=$?
    umount "$T/state"
    check "read-only state directory: logged, then recovered; SIGTERM exits 0" test "$rc" = 0
    check "full / read-only state directory: exactly once" exactly_once "$T/full.out"
else
    echo "# tmpfs mount not permitted here: disk-full scenario not run"
fi
finish
