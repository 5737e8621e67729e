#!/bin/bash
# Operations: the Prometheus text file (metrics.path) with the counters and checkpoint lag,
# SIGUSR1 logs the counters, SIGHUP reopens a rotated file output, SIGTERM exits 0.
. "$TOP_SRCDIR/tests/integration/common.sh"
$PY "$TOP_SRCDIR/tests/peers/es_load.py" --count 3000 --seed 2 --out "$T/docs.ndjson" >/dev/null || exit 1
head -n 1500 "$T/docs.ndjson" >"$T/a.ndjson"; tail -n 1500 "$T/docs.ndjson" >"$T/b.ndjson"
start_emulator --data "$T/a.ndjson" || exit 1
cat >"$T/agent.conf" <<CONF
source = { url = "$ES_URL"; index = "services-logs*"; page_size = 500; poll_interval = "200ms";
           settle_delay = "0s"; start_at = "beginning"; };
checkpoint = { path = "$T/cp.json"; };
events = { forward_read_only = true; };
metrics = { path = "$T/ece-auditd.prom"; interval = "1s"; };
outputs = ( { name = "f"; type = "file"; path = "$T/out.log"; format = "json"; header = "none"; } );
CONF
"$ECE_AUDITD" -c "$T/agent.conf" 2>"$T/agent.err" &
apid=$!
PIDS="$PIDS $apid"
wait_for bash -c "[ \$(wc -l <'$T/out.log' 2>/dev/null || echo 0) -ge 1500 ]"
wait_for grep -q 'ece_auditd_events_forwarded_total 1500' "$T/ece-auditd.prom"
check "metrics file has the forwarded counter" grep -q '^ece_auditd_events_forwarded_total 1500$' "$T/ece-auditd.prom"
check "metrics file has per-output acked counts" \
    grep -q 'ece_auditd_output_messages_total{output="f",state="acked"} 1500' "$T/ece-auditd.prom"
wait_for grep -q '^ece_auditd_checkpoint_lag_seconds' "$T/ece-auditd.prom"
check "metrics file has the checkpoint lag gauge" grep -q '^ece_auditd_checkpoint_lag_seconds [0-9.]*$' "$T/ece-auditd.prom"
check "metrics file has Elasticsearch request counts and latency" bash -c \
    "grep -q '^ece_auditd_es_requests_total [1-9]' '$T/ece-auditd.prom' && grep -q '^ece_auditd_es_request_latency_seconds 0.[0-9]*' '$T/ece-auditd.prom'"
check "metrics file is mode 0644 and not left as .tmp" bash -c "[ ! -e '$T/ece-auditd.prom.tmp' ]"
kill -USR1 "$apid"
wait_for grep -q 'stats read=' "$T/agent.err"
check "SIGUSR1 logs the counters" grep -q 'stats read=1500' "$T/agent.err"
mv "$T/out.log" "$T/out.log.1"
kill -HUP "$apid"
wait_for grep -q 'reopened' "$T/agent.err"
curl -s -XPOST "$ES_URL/_emulator/docs" --data-binary @"$T/b.ndjson" >/dev/null
wait_for bash -c "[ \$(wc -l <'$T/out.log' 2>/dev/null || echo 0) -ge 1500 ]"
check "SIGHUP reopened the rotated file: new events in the new file" test "$(wc -l <"$T/out.log")" = 1500
check "the rotated file kept exactly the first events" test "$(wc -l <"$T/out.log.1")" = 1500
kill -TERM "$apid"; wait "$apid"; rc=$?
check "SIGTERM exits 0" test "$rc" = 0
finish
