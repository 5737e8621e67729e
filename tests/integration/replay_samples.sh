#!/bin/bash
# Replay the bundled sample audit trail (shared/data/ece-samples.ndjson, 30 documents of
# the three shapes) and check every forwarded event's class, outcome, user and wire fields
# in JSON, CEF, LEEF and RFC 5424 form — with no configuration file at all.
. "$TOP_SRCDIR/tests/integration/common.sh"
S="$TOP_SRCDIR/tests/data/ece-samples.ndjson"

"$ECE_AUDITD" --replay "$S" --stdout json >"$T/out.json" 2>"$T/err.txt"
rc=$?
check "replay exits 0 (no config needed)" test "$rc" = 0
check "summary on stderr counts 30 read, 4 read-only dropped" \
    grep -E 'read=30 .*read_only_dropped=4' "$T/err.txt"

cat >"$T/expect.py" <<'PYEOF'
import json, sys
# expected (class, outcome, user) per request id, from shared/ece-events.md section 5
rows = [l for l in open(sys.argv[1]) if l.strip()]
docs = [json.loads(l) for l in rows]
exp = {
 1: ("auth.login.failure", "failure", "admin"), 2: ("auth.login.failure", "failure", "admin"),
 3: ("auth.login.success", "success", "philipp"), 5: ("auth.apikey.create", "success", None),
 6: ("user.create", "success", None), 7: ("auth.login.failure", "failure", "svc-backup"),
 8: ("auth.login.success", "success", "王伟"), 9: ("deployment.create", "success", None),
 12: ("deployment.update", "success", None), 13: (("deployment.upgrade", "deployment.update"), "success", None),
 14: ("deployment.elastic_password.reset", "success", None), 15: ("deployment.shutdown", "success", None),
 16: ("deployment.resource.restart", "success", None),
 17: ("platform.allocator.maintenance.start", "success", None),
 18: ("platform.allocator.maintenance.stop", "success", None), 19: ("platform.license.set", "success", None),
 20: ("platform.security_realm.update", "success", None), 21: ("user.update", "success", None),
 22: ("deployment.delete", "success", None), 23: ("platform.enrollment_token.create", "success", None),
 24: ("deployment.api_console.request", "success", None),
 25: ("deployment.api_console.request", "success", None), 27: ("auth.logout", "success", None),
 28: ("auth.token.refresh", "failure", None), 29: ("deployment.sso.login", "success", None),
 30: ("network.traffic_filter.delete", "success", None),
}
sev = {1: 5, 2: 5, 3: 3, 5: 7, 6: 7, 7: 5, 8: 3, 9: 5, 12: 5, 14: 9, 15: 8, 16: 6, 17: 6, 18: 4,
       19: 7, 20: 8, 21: 8, 22: 8, 23: 9, 24: 6, 25: 7, 27: 1, 29: 5, 30: 7}
out = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
byid = {e.get("http", {}).get("request", {}).get("id"): e for e in out}
bad = 0
if len(out) != len(exp):
    print("forwarded %d events, expected %d" % (len(out), len(exp))); bad += 1
for n, (cls, outcome, user) in exp.items():
    rid = docs[n - 1]["request_id"]
    e = byid.get(rid)
    if e is None:
        print("sample %d (%s) missing" % (n, rid)); bad += 1; continue
    got = e["event"]["action"]
    if (got not in cls) if isinstance(cls, tuple) else (got != cls):
        print("sample %d: class %s, expected %s" % (n, got, cls)); bad += 1
    if e["event"]["outcome"] != outcome:
        print("sample %d: outcome %s, expected %s" % (n, e["event"]["outcome"], outcome)); bad += 1
    if user is not None and e.get("user", {}).get("name") != user:
        print("sample %d: user %r, expected %r" % (n, e.get("user", {}).get("name"), user)); bad += 1
    if n in sev and e["event"]["severity"] != sev[n] and not (n == 13):
        print("sample %d: severity %s, expected %s" % (n, e["event"]["severity"], sev[n])); bad += 1
    if not e.get("@timestamp", "").startswith(docs[n - 1]["@timestamp"][:19]):
        print("sample %d: @timestamp %s" % (n, e.get("@timestamp"))); bad += 1
    if e["event"].get("id") != rid:
        print("sample %d: event.id %r should be the request id in replay" % (n, e["event"].get("id"))); bad += 1
# secrets never leave the agent
blob = open(sys.argv[2]).read()
for needle in ('"password"', 'Authorization', 'Cookie'):
    if needle in blob:
        print("found %s in the output" % needle); bad += 1
sys.exit(1 if bad else 0)
PYEOF
check "every sample has the expected class, outcome, user, severity, time" \
    $PY "$T/expect.py" "$S" "$T/out.json"

"$ECE_AUDITD" --replay - --stdout rfc5424-cef <"$S" >"$T/out.5424" 2>/dev/null
check "rfc5424-cef: one line per forwarded event" test "$(wc -l <"$T/out.5424")" = 26
check "rfc5424-cef: every line is a syslog frame carrying CEF:0|Elastic|ECE|" \
    $PY -c '
import re, sys
pat = re.compile(r"^<\d{1,3}>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S+ \S+ \S+ \S+ (-|\[.*?\]) CEF:0\|Elastic\|ECE\|[^|]+\|[a-z0-9._:-]+\|[^|]+\|\d+\|")
bad = [l for l in open(sys.argv[1]) if not pat.match(l)]
print(bad[:3]); sys.exit(1 if bad else 0)' "$T/out.5424"
check "CEF: failed login carries outcome, suser, src and returnCode" \
    grep -E 'auth\.login\.failure\|.*outcome=failure.*suser=admin.*src=203\.0\.113\.77' "$T/out.5424"

"$ECE_AUDITD" --replay "$S" --stdout leef >"$T/out.leef" 2>/dev/null
check "LEEF 2.0 header with ^ delimiter on every line" \
    $PY -c '
import sys
ls = open(sys.argv[1]).read().splitlines()
ok = len(ls) == 26 and all(l.startswith("LEEF:2.0|Elastic|ECE|") and l.split("|")[5] == "^" for l in ls)
sys.exit(0 if ok else 1)' "$T/out.leef"

printf '{"@timestamp":"2026-11-20T06:58:12.104Z","method":"DELETE"\nnot json at all\n{"log":{"logger":"no.found.adminconsole.trafficfilter.TrafficFiltersMonitor"},"@timestamp":"2026-11-20T06:58:12.104Z","message":"status"}\n' \
    | "$ECE_AUDITD" --replay - --stdout json >"$T/bad.json" 2>"$T/bad.err"
check "malformed lines are counted and forwarded raw, non-request lines skipped" \
    grep -E 'read=3 .*skipped=1 malformed=2' "$T/bad.err"
check "malformed lines are logged with their line number" grep -E 'malformed document line:2' "$T/bad.err"
check "malformed lines go out as agent.malformed_document events" \
    test "$(grep -c '"agent.malformed_document"' "$T/bad.json")" = 2
check "--stdout rejects an unknown format with exit 1" \
    bash -c '"$0" --replay /dev/null --stdout xml; test $? = 1' "$ECE_AUDITD"
mkdir "$T/adir"
"$ECE_AUDITD" --replay "$T/adir" --stdout json >/dev/null 2>"$T/dir.err"
rc=$?
check "an unreadable replay input (a directory) exits 2, not 0" test "$rc" = 2
check "... and the error names the input and the reason" grep -q "cannot read replay input $T/adir: Is a directory" "$T/dir.err"
finish
