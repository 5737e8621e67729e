#!/bin/sh
# kafka_outage.sh - brokers fail while output_kafka produces 20000 events at 800/s (25 s):
#   1. the leader of every partition goes down for 3 s: nothing may be acked meanwhile;
#   2. leadership moves to a live broker while the old leader is down: delivery continues;
#   3. all three brokers go down for 10 s, then come back.
# Afterwards every event is in the topic exactly once (idempotent producer) and acked once.
. "$(dirname "$0")/kafka_lib.sh"
kafka_require
echo "1..9"

PARTS=4
start_mock $PARTS
all_leaders() { p=0; while [ $p -lt $PARTS ]; do mock_cmd "leader $p $1" || return 1; p=$((p + 1)); done; }
all_leaders 1
tap_ok $? "all partition leaders on broker 1"

start_driver --count 20000 --size 200 --key request_id --rate 800 --timeout 55

# 1. leader down: acks stop, and nothing is acked while it is down
wait_for_progress 1600 15
mock_cmd "down 1"
sleep 1   # let reports already on the way land
before=$(progress)
sleep 3   # the outage
during=$(progress)
echo "# leader down: acked $before before, $during at the end of the outage"
[ "$before" -lt 20000 ] && [ "$during" -eq "$before" ]
tap_ok $? "no acks while every partition leader is down"
mock_cmd "up 1"
wait_for_progress $((during + 1000)) 20
tap_ok $? "delivery resumes when the leader is back"

# 2. failover: the leader dies, leadership moves to broker 2 -> progress without broker 1
mock_cmd "down 1"
all_leaders 2
at=$(progress)
wait_for_progress $((at + 1000)) 20
tap_ok $? "delivery continues after leadership moved to a live broker"
mock_cmd "up 1"

# 3. the whole cluster is down for 10 s
wait_for_progress 8000 20
mock_cmd "alldown"
sleep 1
before=$(progress)
sleep 10
during=$(progress)
echo "# all down: acked $before before, $during after 10 s"
mock_cmd "allup"
[ "$before" -lt 16000 ] && [ "$during" -eq "$before" ]
tap_ok $? "no acks while all brokers are down (mid-stream)"

wait "$DRIVER_PID"
tap_ok $? "driver: every event acked exactly once"
echo "# $(cat "$T/driver.out")"
[ "$(driver_field acked)" = 20000 ] && [ "$(driver_field pending)" = 0 ]
tap_ok $? "acked=20000 pending=0"

consume
tap_ok $? "kcat consumed the topic"
$CHECK "$T/consumed" --size 200 --expect 0 20000 request_id >"$T/check.log"
rc=$?
sed 's/^/# /' "$T/check.log"
tap_ok $rc "every event present exactly once (no loss, no duplicates)"
