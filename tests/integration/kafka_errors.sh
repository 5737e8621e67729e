#!/bin/sh
# kafka_errors.sh - the mock cluster answers Produce requests with errors; nothing may be lost:
#   A. retriable errors (NOT_LEADER_FOR_PARTITION, REQUEST_TIMED_OUT): librdkafka retries;
#   B. a permanent error (INVALID_RECORD): delivery fails, output_kafka produces the messages again;
#   C. a fatal idempotence error (OUT_OF_ORDER_SEQUENCE_NUMBER): the producer is rebuilt and
#      everything it held is produced again;
#   D. message.timeout.ms=2000 and all brokers down for 5 s: messages time out ("possibly
#      persisted") and are produced again after the brokers return.
# C and D may legitimately write duplicates (at-least-once); they are counted and reported.
. "$(dirname "$0")/kafka_lib.sh"
kafka_require
echo "1..14"

start_mock 3
run() {  # run START COUNT ARGS...: foreground driver
    _s=$1; _c=$2; shift 2
    "$DRIVER" --brokers "$BOOTSTRAPS" --topic "$TOPIC" --start "$_s" --count "$_c" --size 150 \
        --timeout 40 "$@" >"$T/driver.out" 2>"$T/driver.err"
}

# A
mock_cmd "err 30 produce NOT_LEADER_FOR_PARTITION" && mock_cmd "err 30 produce REQUEST_TIMED_OUT"
tap_ok $? "mock: 60 retriable Produce errors queued"
run 0 5000 -X batch.num.messages=100
tap_ok $? "A: 5000 acked despite retriable errors"
echo "# A: $(cat "$T/driver.out")"

# B
mock_cmd "err 3 produce INVALID_RECORD"
run 5000 3000 -X batch.num.messages=100
tap_ok $? "B: 3000 acked despite a permanent error"
echo "# B: $(cat "$T/driver.out")"
[ "$(driver_field retried)" -gt 0 ] && [ "$(driver_field failed)" -gt 0 ] &&
    grep -q "delivery failed, will produce again err=INVALID_RECORD" "$T/driver.err"
tap_ok $? "B: failed deliveries were produced again by output_kafka (retried>0)"

consume
$CHECK "$T/consumed" --size 150 --expect 0 5000 request_id --expect 5000 3000 request_id \
    >"$T/check.log"
rc=$?
sed 's/^/# /' "$T/check.log"
tap_ok $rc "A+B: every event in the topic exactly once"

# C
mock_cmd "err 2 produce OUT_OF_ORDER_SEQUENCE_NUMBER"
run 8000 3000 -X batch.num.messages=200
tap_ok $? "C: 3000 acked across a fatal producer error"
echo "# C: $(cat "$T/driver.out")"
grep -q "producer restarted" "$T/driver.err" && [ "$(driver_field retried)" -gt 0 ]
tap_ok $? "C: producer rebuilt and its messages produced again"

# D
rm -f "$T/progress"
start_driver --start 11000 --count 4000 --size 150 --rate 1000 --timeout 50 \
    -X message.timeout.ms=2000
wait_for_progress 1000 15
tap_ok $? "D: delivering before the outage"
mock_cmd "alldown"
sleep 5   # the outage, longer than message.timeout.ms
mock_cmd "allup"
tap_ok $? "D: brokers down 5 s, then up"
wait "$DRIVER_PID"
tap_ok $? "D: 4000 acked after messages timed out"
echo "# D: $(cat "$T/driver.out")"
[ "$(driver_field retried)" -gt 0 ] && grep -q "err=_MSG_TIMED_OUT" "$T/driver.err"
tap_ok $? "D: timed-out messages were produced again, not dropped"
[ "$(driver_field acked)" = 4000 ] && [ "$(driver_field pending)" = 0 ]
tap_ok $? "D: acked=4000 pending=0"

consume
tap_ok $? "kcat consumed the topic"
$CHECK "$T/consumed" --size 150 --allow-dups --expect 0 15000 request_id >"$T/check.log"
rc=$?
sed 's/^/# /' "$T/check.log"
tap_ok $rc "A-D: every event present (duplicates after C/D reported above, allowed)"
