#!/bin/sh
# syslog_throughput.sh - 100 000 messages to rsyslog (bench.conf.in: raw lines, no parsing)
# over UDP, then TCP and TLS with ack_delay 0 and 2s. Asserts TCP and TLS deliver all of
# them exactly once; prints the rates as TAP comments: "acked/s" (the output's view: with
# ack_delay, the last acks come 2 s after the last TCP ack, so a short run is dominated by
# that tail; the steady state is bounded by QUEUE_MAX_MSGS / ack_delay) and "end-to-end/s"
# (until rsyslog wrote the last line). UDP is reported only: it cannot confirm delivery.
# SYSLOG_BENCH_COUNT=N changes the message count per run.
. "$(dirname "$0")/../peers/lib.sh"
lib_init
make_certs
rsyslog_setup "$PEERS/rsyslog/bench.conf.in"
rsyslog_start
tap_plan 6

N=${SYSLOG_BENCH_COUNT:-100000}

for run in udp:0 tcp:0 tls:0 tcp:2000 tls:2000; do
    tr=${run%%:*} delay=${run#*:}
    case $tr in udp) port=$RS_UDP ;; tcp) port=$RS_TCP ;; tls) port=$RS_TLS ;; esac
    before=$(line_count "$T/out/$tr.txt")
    t0=$(now_ms)
    r=$(drv --transport $tr --port "$port" --host localhost --ca "$T/pki/ca.pem" --count $N \
        --timeout-ms 60000 --ack-delay-ms "$delay")
    wait_for_lines "$T/out/$tr.txt" $((before + N)) 30 >/dev/null
    t1=$(now_ms)
    got=$(($(line_count "$T/out/$tr.txt") - before))
    diag "$tr ack_delay=${delay}ms: $N messages, acked/s=$(kv rate "$r") end-to-end/s=$((got * 1000 / (t1 - t0))) received=$got ($r)"
    if [ $tr = udp ]; then
        tap_check "udp: all $N handed to the kernel" test "$(kv acked "$r")" = $N
        continue
    fi
    wait_stable "$T/out/$tr.txt" 300 10
    tap_check "$tr ack_delay=${delay}ms: $N acked and received exactly once" \
        $PY - "$T/out/$tr.txt" "$before" $N "$(kv acked "$r")" <<'EOF'
import re, sys
skip, n, acked = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
lines = open(sys.argv[1]).readlines()[skip:]
nums = [int(re.search(r'cn1=(\d+) ', l).group(1)) for l in lines]
assert acked == n, acked
assert sorted(nums) == list(range(1, n + 1)), (len(nums), len(set(nums)))
EOF
done
tap_check "no connection failures during the runs" test "$(grep -c 'cannot connect\|connection lost' "$T/drv.log")" = 0
