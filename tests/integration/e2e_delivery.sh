#!/bin/bash
# End to end: the ES emulator -> ece-auditd -> rsyslog over TLS (CEF in RFC 5424) AND
# librdkafka's mock Kafka cluster (JSON), at the same time. Mid-stream rsyslog is killed
# (-9) and restarted, and every Kafka broker goes down for a while. At the end every
# request id must be at both receivers (duplicates are reported, not failed), and the
# agent exits 0 on SIGTERM. E2E_DOCS (default 20000; 100000 by hand) sets the size.
. "$TOP_SRCDIR/tests/integration/common.sh"
N=${E2E_DOCS:-20000}
NPART=$(( N / 2500 + 1 < 16 ? 16 : N / 2500 + 1 ))   # under the mock's per-partition retention
MOCK="$TOP_BUILDDIR/tests/peers/kafka_mock"
[ -x "$MOCK" ] && command -v kcat >/dev/null && command -v rsyslogd >/dev/null ||
    { echo "1..0 # SKIP needs kafka_mock, kcat and rsyslogd"; exit 0; }
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

$PY "$TOP_SRCDIR/tests/peers/es_load.py" --count "$N" --seed 5 --out "$T/docs.ndjson" >/dev/null || exit 1
start_emulator --data "$T/docs.ndjson" || exit 1
sh "$TOP_SRCDIR/tests/peers/gen-certs.sh" "$T/pki" || exit 1

# rsyslog: TLS listener (plus the template's other listeners on their own free ports)
mkdir -p "$T/out" "$T/work"
RS_TLS=$(free_port)
sed -e "s|@DIR@|$T|g; s|@PKI@|$T/pki|g; s|@SRC@|$TOP_SRCDIR/tests/peers/rsyslog|g" \
    -e "s|@UDP_PORT@|$(free_port)|; s|@TCP_PORT@|$(free_port)|; s|@TLS_PORT@|$RS_TLS|; s|@MTLS_PORT@|$(free_port)|" \
    "$TOP_SRCDIR/tests/peers/rsyslog/rsyslog.conf.in" >"$T/rsyslog.conf"
rs_start() {
    rsyslogd -n -f "$T/rsyslog.conf" -i "$T/rsyslog.pid" >>"$T/rsyslog.log" 2>&1 &
    RS_PID=$!
    PIDS="$PIDS $RS_PID"
    wait_for bash -c "echo >/dev/tcp/127.0.0.1/$RS_TLS" 2>/dev/null
}
rs_start

# Kafka mock cluster, 3 brokers, control FIFO. The mock keeps only the newest few MB of each
# partition (older segments are dropped, the log start offset moves), so the topic gets
# enough partitions for the whole run; the test checks every log still starts at offset 0.
mkfifo "$T/ctl"
"$MOCK" --bootstraps-file "$T/bootstraps" --control "$T/ctl" --topic ece-audit --partitions "$NPART" \
    >"$T/mock.log" 2>"$T/mock.err" &
PIDS="$PIDS $!"
wait_for test -s "$T/bootstraps" || { echo "Bail out! kafka mock"; exit 1; }
exec 9>"$T/ctl"   # keep the FIFO open for commands
nmock=0
mock() { nmock=$((nmock + 1)); echo "$1" >&9; wait_for grep -q "^ok $nmock " "$T/mock.log"; }

cat >"$T/agent.conf" <<CONF
source = { url = "$ES_URL"; index = "services-logs*"; page_size = 500; poll_interval = "200ms";
           settle_delay = "0s"; start_at = "beginning"; timeout = "5s"; };
checkpoint = { path = "$T/cp.json"; };
events = { forward_read_only = true; };
outputs = (
  { name = "siem"; type = "syslog"; host = "127.0.0.1"; port = $RS_TLS; transport = "tls";
    format = "cef"; tls = { ca_file = "$T/pki/ca.pem"; server_name = "localhost"; }; },
  { name = "bus"; type = "kafka"; brokers = "$(cat "$T/bootstraps")"; topic = "ece-audit";
    format = "json"; properties = [ "linger.ms=20" ]; }
);
CONF
curl -s -XPOST "$ES_URL/_emulator/faults" -d '{"slow_ms":40,"slow_rate":1.0}' >/dev/null
"$ECE_AUDITD" -c "$T/agent.conf" 2>"$T/agent.err" &
apid=$!
PIDS="$PIDS $apid"
count_rs() { cat "$T"/out/tls.jsonl 2>/dev/null | grep -o 'externalId=[0-9a-f]*' | sort -u | wc -l; }
wait_for bash -c "[ \$(cat '$T'/out/tls.jsonl 2>/dev/null | wc -l) -ge $((N / 4)) ]"
kill -9 "$RS_PID"; wait "$RS_PID" 2>/dev/null
sleep 2   # the receiver stays down for a while (an outage, not a wait for a result)
rs_start
wait_for bash -c "[ \$(cat '$T'/out/tls.jsonl 2>/dev/null | wc -l) -ge $((N / 2)) ]"
mock "alldown"
sleep 5   # every broker down for 5 s mid-stream
mock "allup"
curl -s -XPOST "$ES_URL/_emulator/faults" -d '{}' >/dev/null
DEADLINE=120 wait_for bash -c "[ \$(cat '$T'/out/tls.jsonl | grep -o 'externalId=[0-9a-f]*' | sort -u | wc -l) -ge $N ]"
kafka_all() {
    timeout 60 kcat -C -b "$(cat "$T/bootstraps")" -t ece-audit -e -q -f '%s\n' >"$T/kafka.out" 2>"$T/kcat.err"
    timeout 60 kcat -C -b "$(cat "$T/bootstraps")" -t ece-audit -e -q -f '%p\n' 2>/dev/null | sort | uniq -c | tr '\n' ' ' >"$T/kafka.partitions"
    [ "$($PY -c '
import json, sys
print(len({json.loads(l)["http"]["request"]["id"] for l in open(sys.argv[1]) if l.strip()}))' "$T/kafka.out")" -ge "$N" ]
}
DEADLINE=120 wait_for kafka_all
lowmarks=$(for p in $(seq 0 $((NPART - 1))); do kcat -Q -b "$(cat "$T/bootstraps")" -t "ece-audit:$p:-2" 2>/dev/null | awk '{print $NF}'; done | sort -u | tr '\n' ' ')
check "no Kafka partition lost records to the mock's retention (all start at offset 0)" test "$lowmarks" = "0 "
kill -TERM "$apid"; wait "$apid"; rc=$?
check "agent exits 0 on SIGTERM after the outages" test "$rc" = 0
$PY - "$T/docs.ndjson" "$T/out/tls.jsonl" "$T/kafka.out" >"$T/report" <<'PYEOF'
import json, re, sys, collections
want = {json.loads(l).get("_source", json.loads(l))["request_id"] for l in open(sys.argv[1])}
rs = collections.Counter()
for l in open(sys.argv[2]):
    m = re.search(r"externalId=([0-9a-f]{32})", json.loads(l)["msg"])
    if m:
        rs[m.group(1)] += 1
kf = collections.Counter()
for l in open(sys.argv[3]):
    if l.strip():
        kf[json.loads(l)["http"]["request"]["id"]] += 1
print("rsyslog: missing=%d duplicates=%d" % (len(want - set(rs)), sum(c - 1 for c in rs.values())))
print("kafka:   missing=%d duplicates=%d" % (len(want - set(kf)), sum(c - 1 for c in kf.values())))
sys.exit(1 if (want - set(rs)) or (want - set(kf)) else 0)
PYEOF
rcr=$?
sed 's/^/# /' "$T/report"
echo "# kafka records per partition: $(cat "$T/kafka.partitions")"
check "every event reached rsyslog (TLS) and Kafka despite a receiver kill and a broker outage" test "$rcr" = 0
check "the agent logged the syslog connection loss once and the recovery" \
    grep -qiE 'connection lost|reconnected|connected' "$T/agent.err"
finish
