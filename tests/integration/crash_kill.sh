#!/bin/bash
# Crash suite: tail the emulator while documents keep arriving, SIGKILL the agent at
# seeded random moments (KILLS times, default 20), restart it each time, then catch up
# with --once. Every request id must be delivered at least once; the duplicates per kill
# must stay within the batches in flight (max_batches_in_flight = 4 pages here). Also: the checkpoint is always the old
# or the new version (valid JSON) after every kill. SEED and CRASH_DOCS override.
. "$TOP_SRCDIR/tests/integration/common.sh"
N=${CRASH_DOCS:-20000}
KILLS=${KILLS:-20}
SEED=${SEED:-4242}
PAGE=250
$PY "$TOP_SRCDIR/tests/peers/es_load.py" --count "$N" --seed 3 --out "$T/docs.ndjson" || exit 1
head -n $((N / 2)) "$T/docs.ndjson" >"$T/first.ndjson"
tail -n +$((N / 2 + 1)) "$T/docs.ndjson" >"$T/second.ndjson"
start_emulator --data "$T/first.ndjson" || exit 1
curl -s -XPOST "$ES_URL/_emulator/faults" -d '{"slow_ms":15,"slow_rate":1.0}' >/dev/null
cat >"$T/agent.conf" <<CONF
source = { url = "$ES_URL"; index = "services-logs*"; page_size = $PAGE; poll_interval = "100ms";
           settle_delay = "0s"; lookback = "5m"; start_at = "beginning"; timeout = "5s"; };
checkpoint = { path = "$T/cp.json"; };
events = { forward_read_only = true; };
outputs = ( { name = "file"; type = "file"; path = "$T/out.json"; format = "json"; header = "none"; } );
agent = { max_batches_in_flight = 4; };
CONF
# live ingestion: the second half arrives in chunks while the agent runs and is killed
$PY - "$ES_URL" "$T/second.ndjson" <<'PYEOF' &
import sys, time, urllib.request
url, path = sys.argv[1], sys.argv[2]
lines = open(path, "rb").read().splitlines(keepends=True)
for i in range(0, len(lines), 500):
    urllib.request.urlopen(urllib.request.Request(url + "/_emulator/docs", data=b"".join(lines[i:i + 500]), method="POST")).read()
    time.sleep(0.2)
PYEOF
ING=$!
PIDS="$PIDS $ING"
RANDOM=$SEED
bad_cp=0
for k in $(seq "$KILLS"); do
    "$ECE_AUDITD" -c "$T/agent.conf" 2>>"$T/agent.err" &
    apid=$!
    sleep "0.$((RANDOM % 9 + 1))$((RANDOM % 10))"
    kill -9 "$apid" 2>/dev/null; wait "$apid" 2>/dev/null
    if [ -e "$T/cp.json" ] && ! $PY -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/cp.json" 2>/dev/null; then
        bad_cp=$((bad_cp + 1))
    fi
done
wait "$ING"
curl -s -XPOST "$ES_URL/_emulator/faults" -d '{}' >/dev/null
"$ECE_AUDITD" --once -c "$T/agent.conf" 2>>"$T/agent.err"
check "after $KILLS kills the checkpoint was always a complete file" test "$bad_cp" = 0
$PY - "$T/docs.ndjson" "$T/out.json" "$KILLS" "$PAGE" >"$T/report" <<'PYEOF'
import json, sys, collections
want = set()
for l in open(sys.argv[1]):
    d = json.loads(l); want.add(d.get("_source", d)["request_id"])
got = collections.Counter()
torn = 0
for l in open(sys.argv[2]):
    try:
        e = json.loads(l)
    except ValueError:
        torn += 1  # a record cut by SIGKILL: never acked, so it was delivered again
        continue
    got[e["http"]["request"]["id"]] += 1
missing = len(want - set(got))
dups = sum(c - 1 for c in got.values())
print("docs=%d delivered=%d missing=%d duplicates=%d duplicates_per_kill=%.1f torn_fragments=%d" % (
    len(want), sum(got.values()), missing, dups, dups / int(sys.argv[3]), torn))
sys.exit(0 if missing == 0 and dups / int(sys.argv[3]) <= 4 * int(sys.argv[4]) else 1)
PYEOF
rc=$?
sed 's/^/# /' "$T/report"
check "every request id delivered at least once, duplicates per kill <= the batches in flight (4 pages)" test "$rc" = 0
finish
