#!/bin/sh
# syslog_down_at_start.sh - the receiver is not there when the output opens: connections are
# refused, retried with exponential backoff + jitter (capped by reconnect_max), logged once,
# nothing is acked; when rsyslog comes up every message is delivered exactly once.
. "$(dirname "$0")/../peers/lib.sh"
lib_init
make_certs
rsyslog_setup
tap_plan 10

N=2000
CHK="$PY $PEERS/check_received.py"

for tr in tcp tls; do
    if [ $tr = tcp ]; then port=$RS_TCP; else port=$RS_TLS; fi
    log="$T/drv-$tr.log"
    "$OUT_DRIVER" --transport $tr --port "$port" --host localhost --ca "$T/pki/ca.pem" \
        --count $N --timeout-ms 30000 --reconnect-max-ms 800 --acked-file "$T/acked-$tr.txt" \
        --verbose >"$T/drv.out" 2>"$log" &
    d=$!
    track_pid $d
    # wait for five refused attempts (the deadline bounds it: 100+200+400+800 ms plus jitter)
    $PY - "$log" <<'EOF' || diag "fewer than 5 attempts seen"
import sys, time
end = time.monotonic() + 10
while time.monotonic() < end:
    if open(sys.argv[1]).read().count('retry_in_ms=') >= 5:
        sys.exit(0)
    time.sleep(0.05)
sys.exit(1)
EOF
    tap_check "$tr: nothing acked while the receiver is down" test "$(line_count "$T/acked-$tr.txt")" = 0
    rsyslog_start
    wait $d
    rc=$?
    untrack_pid $d
    r=$(cat "$T/drv.out")
    tap_check "$tr: all $N acked once the receiver is up" sh -c "test $rc = 0 && test '$(kv acked "$r")' = $N"
    wait_for_lines "$T/out/$tr.jsonl" $N 10 >/dev/null
    tap_check "$tr: every message received exactly once" $CHK numbers "$T/out/$tr.jsonl" --count $N
    tap_check "$tr: refusal logged once (warn), then 'connected' once" sh -c \
        "test \"\$(grep -c '^warn.*cannot connect.*Connection refused' '$log')/\$(grep -c '^info.*connected peer' '$log')/\$(grep -c '^warn\|^error' '$log')\" = 1/1/1"
    # backoff: delays grow (each attempt's d doubles from 100 ms), jitter keeps each in
    # [d/2, d], and none exceeds reconnect_max
    tap_check "$tr: exponential backoff with jitter, capped at reconnect_max" $PY - "$log" <<'EOF'
import re, sys
delays = [int(x) for x in re.findall(r'retry_in_ms=(\d+)', open(sys.argv[1]).read())]
assert len(delays) >= 5, delays
for k, v in enumerate(delays):
    d = min(100 * 2 ** k, 800)
    assert d // 2 <= v <= d, (k, v, delays)
EOF
    rsyslog_stop TERM
done
