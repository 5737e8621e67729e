#!/bin/bash
# valgrind memcheck over the real binary: replay of the samples and of the hostile corpus,
# and an Elasticsearch --once sweep. No invalid access, no definite leak.
# (Not in the sanitizer build: ASan and valgrind cannot run together.)
. "$TOP_SRCDIR/tests/integration/common.sh"
if ldd "$ECE_AUDITD" | grep -q libasan || ! command -v valgrind >/dev/null; then
    echo "1..0 # SKIP sanitizer build (ASan replaces valgrind there) or no valgrind"
    exit 0
fi
VG="valgrind --soname-synonyms=somalloc=*jemalloc* --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --track-fds=no"
check "replay of the samples (CEF) is memcheck-clean" \
    $VG "$ECE_AUDITD" --replay "$TOP_SRCDIR/tests/data/ece-samples.ndjson" --stdout rfc5424-cef
check "replay of the samples (LEEF, JSON) is memcheck-clean" bash -c \
    "$VG '$ECE_AUDITD' --replay '$TOP_SRCDIR/tests/data/ece-samples.ndjson' --stdout leef >/dev/null &&
     $VG '$ECE_AUDITD' --replay '$TOP_SRCDIR/tests/data/ece-samples.ndjson' --stdout json >/dev/null"
$PY "$TOP_SRCDIR/tests/peers/gen_hostile.py" "$T/hostile.ndjson" >/dev/null
grep -v yyyyyyyyyy "$T/hostile.ndjson" >"$T/hostile-small.ndjson"
check "replay of the hostile corpus is memcheck-clean" \
    $VG "$ECE_AUDITD" --replay "$T/hostile-small.ndjson" --stdout rfc5424-cef
start_emulator --data "$TOP_SRCDIR/tests/data/ece-samples.ndjson" || exit 1
cat >"$T/agent.conf" <<CONF
source = { url = "$ES_URL"; index = "services-logs*"; page_size = 7; settle_delay = "0s";
           start_at = "beginning"; };
checkpoint = { path = "$T/cp.json"; };
outputs = ( { name = "file"; type = "file"; path = "$T/out.txt"; } );
rules = ( { name = "bf"; match = "auth.login.failure"; group_by = "user"; threshold = 2; window = "5m"; severity = 8; } );
CONF
check "an Elasticsearch --once sweep with rules is memcheck-clean" $VG "$ECE_AUDITD" --once -c "$T/agent.conf"
check "...and delivered the events" test "$(wc -l <"$T/out.txt")" -ge 20
finish
