#!/bin/sh
# kafka_delivery.sh - 20000 events through output_kafka into librdkafka's mock cluster (3 brokers),
# read back with kcat: every event exactly once, with its key (request id) and ece.* headers;
# then 500 more without a key. Properties pass through (lz4 compression, linger).
. "$(dirname "$0")/kafka_lib.sh"
kafka_require
echo "1..7"

start_mock 4
"$DRIVER" --brokers "$BOOTSTRAPS" --topic "$TOPIC" --count 20000 --size 200 --key request_id \
    -X compression.type=lz4 -X linger.ms=5 --timeout 40 >"$T/driver.out" 2>"$T/driver.err"
tap_ok $? "driver: 20000 submitted, all acked exactly once"
echo "# $(cat "$T/driver.out")"
[ "$(driver_field acked)" = 20000 ] && [ "$(driver_field pending)" = 0 ]
tap_ok $? "acked=20000 pending=0"

"$DRIVER" --brokers "$BOOTSTRAPS" --topic "$TOPIC" --start 20000 --count 500 --size 200 \
    --key none --timeout 30 >"$T/driver.out" 2>"$T/driver.err"
tap_ok $? "driver: 500 more without a key, all acked"

consume
tap_ok $? "kcat consumed the topic"
echo "# consumed $(wc -l <"$T/consumed") records"
$CHECK "$T/consumed" --size 200 --expect 0 20000 request_id --expect 20000 500 none >"$T/check.log"
rc=$?
sed 's/^/# /' "$T/check.log"
tap_ok $rc "every event present once with key, ece.class/ece.dedup headers and body"

# the checker itself must notice a lost record and a wrong key (so the check above means something)
sed '17d' "$T/consumed" >"$T/lost"
! $CHECK "$T/lost" --size 200 --expect 0 20000 request_id --expect 20000 500 none >/dev/null
tap_ok $? "checker detects one missing record"
sed '0,/^req-/s/^req-[0-9]*/req-x/' "$T/consumed" >"$T/badkey"
! $CHECK "$T/badkey" --size 200 --expect 0 20000 request_id --expect 20000 500 none >/dev/null
tap_ok $? "checker detects a wrong key"
