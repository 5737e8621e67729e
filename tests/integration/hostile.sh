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
check "garbage lines are counted as malformed" grep -E 'malformed=6' "$T/err.json"
check "an injected syslog header never starts a message of its own" bash -c \
    "! grep -q '^<13>1 2026-01-01T00:00:00Z evil' '$T/out.rfc5424-cef'"
finish
