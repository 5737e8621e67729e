#!/bin/bash
# Hostile input: delimiter and header injection, control characters, invalid UTF-8, NUL,
# deep nesting, 10 MB payloads, wrong types, duplicate keys, missing fields, garbage.
# Every input line yields exactly one strictly valid message (an event, or an
# agent.malformed_document carrying the raw text), never a crash, split or hang.
. "$TOP_SRCDIR/tests/integration/common.sh"
n=$($PY "$TOP_SRCDIR/tests/peers/gen_hostile.py" "$T/hostile.ndjson")
printf 'events = { forward_read_only = true; };\n' >"$T/ro.conf"
for fmt in rfc5424-cef rfc5424-leef json cef leef; do
    timeout 60 "$ECE_AUDITD" -c "$T/ro.conf" --replay "$T/hostile.ndjson" --stdout "$fmt" \
        >"$T/out.$fmt" 2>"$T/err.$fmt"
    rc=$?
    check "$fmt: no crash, no hang (exit 0)" test "$rc" = 0
    check "$fmt: exactly one message per input line ($n)" test "$(wc -l <"$T/out.$fmt")" = "$n"
    check "$fmt: every message passes the strict parser" $PY "$TOP_SRCDIR/tests/peers/strict_check.py" "$fmt" "$T/out.$fmt"
done
malformed=$(sed -n 's/.*replay summary:.* malformed=\([0-9]*\).*/\1/p' "$T/err.json")
check "the 6 garbage lines (and the unusable documents) are counted as malformed" test "${malformed:-0}" -ge 6
check "each malformed document went out as one agent.malformed_document event" \
    test "$(grep -c '"agent.malformed_document"' "$T/out.json")" = "$malformed"
check "each malformed document was logged once with its line number" \
    test "$(grep -c 'malformed document line:' "$T/err.json")" = "$malformed"
check "an injected syslog header never starts a message of its own" bash -c \
    "! grep -q '^<13>1 2026-01-01T00:00:00Z evil' '$T/out.rfc5424-cef'"
finish
