#!/bin/sh
# kafka_throughput.sh - 100000 messages of 1 KiB through output_kafka into the mock cluster, every
# one acked by a delivery report (acks=all, idempotent). Prints msgs/s as a TAP comment; the pass
# criterion is completeness, not speed (the machine is shared).
. "$(dirname "$0")/kafka_lib.sh"
kafka_require
echo "1..3"

start_mock 6
"$DRIVER" --brokers "$BOOTSTRAPS" --topic "$TOPIC" --count 100000 --size 1024 --key request_id \
    --timeout 50 >"$T/driver.out" 2>"$T/driver.err"
tap_ok $? "100000 x 1 KiB acked exactly once"
echo "# $(cat "$T/driver.out")"
[ "$(driver_field acked)" = 100000 ] && [ "$(driver_field pending)" = 0 ]
tap_ok $? "acked=100000 pending=0"
rate=$(driver_field msgs_per_s)
echo "# throughput: ${rate} msgs/s (1 KiB values, delivery acks, 3-broker mock cluster)"
[ -n "$rate" ] && [ "$rate" -gt 0 ]
tap_ok $? "throughput measured: ${rate} msgs/s"
