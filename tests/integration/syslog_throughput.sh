#!/bin/sh
# syslog_throughput.sh - 100 000 messages to rsyslog (bench.conf.in: raw lines, no parsing)
# over UDP, TCP and TLS. Asserts TCP and TLS deliver all of them exactly once; prints the
# rates as TAP comments: "acked/s" (the output's view, TCP-acknowledged) and "end-to-end/s"
# (until rsyslog wrote the last line). UDP is reported only: it cannot confirm delivery.
. "$(dirname "$0")/../peers/lib.sh"
lib_init
make_certs
rsyslog_setup "$PEERS/rsyslog/bench.conf.in"
rsyslog_start
tap_plan 4

N=${SYSLOG_BENCH_COUNT:-100000}

for tr in udp tcp tls; do
    case $tr in udp) port=$RS_UDP ;; tcp) port=$RS_TCP ;; tls) port=$RS_TLS ;; esac
    t0=$(now_ms)
    r=$(drv --transport $tr --port "$port" --host localhost --ca "$T/pki/ca.pem" --count $N \
        --timeout-ms 60000)
    wait_for_lines "$T/out/$tr.txt" $N 30 >/dev/null
    t1=$(now_ms)
    got=$(line_count "$T/out/$tr.txt")
    diag "$tr: $N messages, acked/s=$(kv rate "$r") end-to-end/s=$((got * 1000 / (t1 - t0))) received=$got ($r)"
    if [ $tr = udp ]; then
        tap_check "udp: all $N handed to the kernel" test "$(kv acked "$r")" = $N
        continue
    fi
    wait_stable "$T/out/$tr.txt" 300 10
    tap_check "$tr: $N acked and received exactly once" $PY - "$T/out/$tr.txt" $N "$(kv acked "$r")" <<'EOF'
import re, sys
n, acked = int(sys.argv[2]), int(sys.argv[3])
nums = [int(re.search(r'cn1=(\d+) ', l).group(1)) for l in open(sys.argv[1])]
assert acked == n, acked
assert sorted(nums) == list(range(1, n + 1)), (len(nums), len(set(nums)))
EOF
done
tap_check "no connection failures during the runs" test "$(grep -c 'cannot connect\|connection lost' "$T/drv.log")" = 0
