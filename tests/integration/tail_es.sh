#!/bin/bash
# Tail the Elasticsearch emulator into a file output: exactly once over many pages and
# indices under injected faults, across restarts, kill -9 and SIGTERM, with late
# documents, and with a corrupt checkpoint refused loudly.
. "$TOP_SRCDIR/tests/integration/common.sh"
N=${TAIL_DOCS:-20000}
$PY "$TOP_SRCDIR/tests/peers/es_load.py" --count "$N" --seed 7 --out "$T/docs.ndjson" || exit 1
start_emulator --data "$T/docs.ndjson" || exit 1

write_conf() { # $1 = conf path, $2 = output file, $3 = checkpoint
    cat >"$1" <<CONF
source = {
  url = "$ES_URL";
  index = "services-logs*";
  page_size = ${PAGE:-500};
  poll_interval = "200ms";
  settle_delay = "0s";
  lookback = "5m";
  start_at = "beginning";
  timeout = "5s";
};
checkpoint = { path = "$3"; };
events = { forward_read_only = true; };
outputs = ( { name = "file"; type = "file"; path = "$2"; format = "json"; header = "none"; } );
agent = { max_batches_in_flight = 4; };   # the kill -9 duplicate bound below
CONF
}
# ids FILE: request ids (event.id) of the events in FILE, one per line
ids() { $PY -c '
import json, sys
for l in open(sys.argv[1]):
    l = l.strip()
    try:
        e = json.loads(l)
    except ValueError:
        continue  # a record cut by SIGKILL (never acked, delivered again)
    if l:
        print(e.get("http", {}).get("request", {}).get("id") or e["event"]["id"])' "$1"; }
# exactly_once FILE: every generated request id exactly once
exactly_once() {
    ids "$1" | sort >"$T/got.ids"
    $PY -c '
import json, sys
for l in open(sys.argv[1]):
    print(json.loads(l).get("_source", json.loads(l))["request_id"])' "$T/docs.ndjson" | sort >"$T/want.ids"
    local dups missing
    dups=$(uniq -d "$T/got.ids" | wc -l)
    missing=$(comm -23 "$T/want.ids" <(sort -u "$T/got.ids") | wc -l)
    echo "delivered=$(wc -l <"$T/got.ids") unique=$(sort -u "$T/got.ids" | wc -l) missing=$missing duplicated=$dups"
    [ "$dups" = 0 ] && [ "$missing" = 0 ]
}
at_least_once() {
    ids "$1" | sort >"$T/got.ids"
    local missing
    missing=$(comm -23 "$T/want.ids" <(sort -u "$T/got.ids") | wc -l)
    echo "delivered=$(wc -l <"$T/got.ids") unique=$(sort -u "$T/got.ids" | wc -l) missing=$missing"
    [ "$missing" = 0 ]
}

# 1. clean run, then a second run that must deliver nothing new
write_conf "$T/a.conf" "$T/a.out" "$T/a.cp"
check "--once delivers every document exactly once" bash -c \
    '"$0" --once -c "$1" 2>"$2"' "$ECE_AUDITD" "$T/a.conf" "$T/a.err"
check "exactly once (clean)" exactly_once "$T/a.out"
check "checkpoint is mode 0600" test "$(stat -c %a "$T/a.cp")" = 600
before=$(wc -l <"$T/a.out")
"$ECE_AUDITD" --once -c "$T/a.conf" 2>>"$T/a.err"
check "restart between sweeps delivers nothing twice" test "$(wc -l <"$T/a.out")" = "$before"

# 2. late documents inside the lookback window: delivered once, overlap never duplicates
$PY - "$T/docs.ndjson" >"$T/late.ndjson" <<'PYEOF'
import json, sys
last = [json.loads(l) for l in open(sys.argv[1])][-1]
src = last.get("_source", last)
for i in range(50):
    d = dict(src)
    d["request_id"] = "%032x" % (0xabc000 + i)
    print(json.dumps(d))
PYEOF
curl -s -XPOST "$ES_URL/_emulator/docs?visible_after_ms=0" --data-binary @"$T/late.ndjson" >/dev/null
"$ECE_AUDITD" --once -c "$T/a.conf" 2>>"$T/a.err"
check "late documents within lookback delivered exactly once" test \
    "$(ids "$T/a.out" | grep -c '^0*abc0')" = 50
check "overlap re-reads produce no duplicates" bash -c \
    '[ "$(sort "$0" | uniq -d | wc -l)" = 0 ]' <(ids "$T/a.out")
curl -s -XPOST "$ES_URL/_emulator/reset" >/dev/null
curl -s -XPOST "$ES_URL/_emulator/docs" --data-binary @"$T/docs.ndjson" >/dev/null

# 3. faults: 10% 429/503 + dropped connections + PIT expiry every few pages + rotating pit ids
curl -s -XPOST "$ES_URL/_emulator/faults" -d '{"error_rate":0.1,"error_codes":[429,503],
  "drop_rate":0.03,"pit_expire_every":5,"rotate_pit_id":true,"seed":11}' >/dev/null
write_conf "$T/f.conf" "$T/f.out" "$T/f.cp"
check "--once under faults exits 0" "$ECE_AUDITD" --once -c "$T/f.conf"
check "exactly once under 10% 429/503, drops, PIT expiry, rotating pit_id" exactly_once "$T/f.out"
curl -s -XPOST "$ES_URL/_emulator/faults" -d '{}' >/dev/null

# 4. kill -9 in the middle, restart: nothing lost, duplicates bounded by one page
write_conf "$T/k.conf" "$T/k.out" "$T/k.cp"
curl -s -XPOST "$ES_URL/_emulator/faults" -d '{"slow_ms":20,"slow_rate":1.0}' >/dev/null
"$ECE_AUDITD" -c "$T/k.conf" 2>"$T/k.err" &
apid=$!
PIDS="$PIDS $apid"
wait_for bash -c "[ \$(wc -l <'$T/k.out' 2>/dev/null || echo 0) -ge $((N / 3)) ]"
kill -9 "$apid"; wait "$apid" 2>/dev/null
curl -s -XPOST "$ES_URL/_emulator/faults" -d '{}' >/dev/null
"$ECE_AUDITD" --once -c "$T/k.conf" 2>>"$T/k.err"
check "kill -9 mid-stream then restart: nothing lost" at_least_once "$T/k.out"
d=$(ids "$T/k.out" | sort | uniq -d | wc -l)
echo "# kill -9: duplicates after restart = $d (bound: 4 batches in flight x ${PAGE:-500})"
check "kill -9 duplicates bounded by the batches in flight" test "$d" -le "$((4 * ${PAGE:-500}))"

# 5. SIGTERM mid-stream: exit 0, restart, exactly once
write_conf "$T/s.conf" "$T/s.out" "$T/s.cp"
curl -s -XPOST "$ES_URL/_emulator/faults" -d '{"slow_ms":20,"slow_rate":1.0}' >/dev/null
"$ECE_AUDITD" -c "$T/s.conf" 2>"$T/s.err" &
apid=$!
wait_for bash -c "[ \$(wc -l <'$T/s.out' 2>/dev/null || echo 0) -ge $((N / 3)) ]"
kill -TERM "$apid"; wait "$apid"; rc=$?
check "SIGTERM: clean exit 0" test "$rc" = 0
curl -s -XPOST "$ES_URL/_emulator/faults" -d '{}' >/dev/null
"$ECE_AUDITD" --once -c "$T/s.conf" 2>>"$T/s.err"
check "SIGTERM then restart: exactly once" exactly_once "$T/s.out"

# 6. corrupt checkpoint: clear error, exit 2, file untouched
printf '{"version":1,"waterm' >"$T/c.cp"
write_conf "$T/c.conf" "$T/c.out" "$T/c.cp"
"$ECE_AUDITD" --once -c "$T/c.conf" 2>"$T/c.err"; rc=$?
check "corrupt checkpoint: exit 2" test "$rc" = 2
check "corrupt checkpoint: the error names the file" grep -F "$T/c.cp" "$T/c.err"
check "corrupt checkpoint: nothing delivered, file untouched" bash -c \
    '[ ! -s "$0" ] && [ "$(cat "$1")" = "{\"version\":1,\"waterm" ]' "$T/c.out" "$T/c.cp"

# 7. unreachable cluster: retries, stops cleanly on SIGTERM
sed "s|$ES_URL|http://127.0.0.1:1|" "$T/a.conf" >"$T/u.conf"
sed -i "s|$T/a.cp|$T/u.cp|; s|$T/a.out|$T/u.out|" "$T/u.conf"
"$ECE_AUDITD" -c "$T/u.conf" 2>"$T/u.err" &
apid=$!
wait_for grep -qiE 'connect|refused|unreachable' "$T/u.err"
kill -TERM "$apid"; wait "$apid"; rc=$?
check "unreachable cluster: logged, SIGTERM exits 0" test "$rc" = 0
finish
