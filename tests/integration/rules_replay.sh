#!/bin/bash
# Detections: replay each crafted sequence of tests/data/rules/ with the default rule set
# and compare the alerts raised with expected.tsv (written by hand from the rules): rule,
# severity, group, count, window, first/last time, request ids, dedup key. The alerts must
# also be valid CEF, LEEF and JSON, the raw events still forwarded, and a burst split by a
# restart (tail mode, rule state in the checkpoint) must alert exactly once.
. "$TOP_SRCDIR/tests/integration/common.sh"
D="$TOP_SRCDIR/tests/data/rules"
for f in "$D"/*.ndjson; do
    name=$(basename "$f" .ndjson)
    "$ECE_AUDITD" -c "$D/rules.conf" --replay "$f" --stdout json >"$T/$name.json" 2>"$T/$name.err"
    check "$name: alerts exactly as expected.tsv" $PY - "$D/expected.tsv" "$name" "$T/$name.json" "$f" <<'PYEOF'
import json, sys
exp = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip() and not l.startswith("#")]
exp = [e for e in exp if e[0] == sys.argv[2]]
out = [json.loads(l) for l in open(sys.argv[3]) if l.strip()]
alerts = [o for o in out if o["event"].get("kind") == "alert"]
raw = sum(1 for l in open(sys.argv[4]) if l.strip())
bad = []
if len(out) - len(alerts) != raw:
    bad.append("raw events forwarded %d of %d" % (len(out) - len(alerts), raw))
if len(alerts) != len(exp):
    bad.append("%d alerts, expected %d" % (len(alerts), len(exp)))
for a, e in zip(alerts, exp):
    _, rule, sev, group, count, window, first, last, ids, dedup = e
    al = a["ece"]["alert"]
    got = (a["event"]["action"], str(a["event"]["severity"]), al["group_value"], str(al["count"]),
           str(al.get("window_ms", 0)), a["event"]["start"], a["event"]["end"], ",".join(al["request_ids"]), a["event"]["id"])
    want = ("alert." + rule, sev, group, count, window, first, last, ids, dedup)
    if got != want:
        bad.append("got %s\nwant %s" % (got, want))
print("\n".join(bad))
sys.exit(1 if bad else 0)
PYEOF
done
cat "$D"/*.ndjson >"$T/all.ndjson"
"$ECE_AUDITD" -c "$D/rules.conf" --replay "$T/all.ndjson" --stdout rfc5424-cef >"$T/all.cef" 2>/dev/null
"$ECE_AUDITD" -c "$D/rules.conf" --replay "$T/all.ndjson" --stdout rfc5424-leef >"$T/all.leef" 2>/dev/null
check "alerts are strictly valid CEF in RFC 5424" bash -c \
    "grep -q 'alert\\.' '$T/all.cef' && $PY '$TOP_SRCDIR/tests/peers/strict_check.py' rfc5424-cef '$T/all.cef'"
check "alerts are strictly valid LEEF 2.0 in RFC 5424" bash -c \
    "grep -q 'alert\\.' '$T/all.leef' && $PY '$TOP_SRCDIR/tests/peers/strict_check.py' rfc5424-leef '$T/all.leef'"

# burst split by a restart: 2 failed logins, restart (state from the checkpoint), 1 more
$PY - "$D/01-exact-threshold.ndjson" "$T" <<'PYEOF'
import sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
open(sys.argv[2] + "/part1.ndjson", "w").writelines(lines[:2])
open(sys.argv[2] + "/part2.ndjson", "w").writelines(lines[2:])
PYEOF
start_emulator --data "$T/part1.ndjson" || exit 1
{ cat "$D/rules.conf"; cat <<CONF
source = { url = "$ES_URL"; index = "services-logs*"; settle_delay = "0s"; start_at = "beginning"; };
checkpoint = { path = "$T/cp.json"; };
outputs = ( { name = "f"; type = "file"; path = "$T/tail.json"; format = "json"; header = "none"; } );
CONF
} >"$T/tail.conf"
"$ECE_AUDITD" --once -c "$T/tail.conf" 2>"$T/tail1.err"
check "before the restart: no alert yet" bash -c "! grep -q '\"kind\":\"alert\"' '$T/tail.json'"
curl -s -XPOST "$ES_URL/_emulator/docs" --data-binary @"$T/part2.ndjson" >/dev/null
"$ECE_AUDITD" --once -c "$T/tail.conf" 2>"$T/tail2.err"
check "a burst split by a restart alerts exactly once" test "$(grep -c '"kind":"alert"' "$T/tail.json")" = 1
"$ECE_AUDITD" --once -c "$T/tail.conf" 2>"$T/tail3.err"
check "another restart raises it not again" test "$(grep -c '"kind":"alert"' "$T/tail.json")" = 1
finish
