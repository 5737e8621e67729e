#!/bin/sh
# syslog_syslogng.sh - the syslog output against a real syslog-ng 3.38 (unpacked beside
# rsyslog by syslog-ng-install.sh): UDP and TCP/TLS octet counting into syslog(), TCP LF
# into network(); every message exactly once with the right fields; hostile values byte for
# byte; STRUCTURED-DATA escapes decoded by syslog-ng as RFC 5424 says.
. "$(dirname "$0")/../peers/lib.sh"
lib_init
make_certs
sng_setup
sng_start
tap_plan 10

N=500
CHK="$PY $PEERS/check_received.py"
FIELDS="--hostname drv-host --app ece-auditd --msgid CEF --pri 110"
TLSOPT="--host localhost --ca $T/pki/ca.pem"

send_numbered() {
    _desc=$1 _file=$2; shift 2
    _r=$(drv --count $N --timeout-ms 20000 "$@")
    if [ "$(kv acked "$_r")" != $N ]; then tap_fail "$_desc: all acked" "$_r"; return; fi
    wait_for_lines "$_file" $N 10 >/dev/null
    tap_check "$_desc: $N messages, each exactly once, fields right" \
        $CHK numbers "$_file" --count $N $FIELDS
}
send_numbered "udp -> syslog()" "$T/sng/udp.jsonl" --transport udp --port "$SNG_UDP"
send_numbered "tcp octet-counting -> syslog()" "$T/sng/tcp.jsonl" --transport tcp --port "$SNG_TCP"
send_numbered "tcp lf -> network()" "$T/sng/tcp_lf.jsonl" --transport tcp --framing lf \
    --port "$SNG_TCPLF"
send_numbered "tls octet-counting -> syslog(tls)" "$T/sng/tls.jsonl" --transport tls \
    --port "$SNG_TLS" $TLSOPT

$CHK gen-vectors "$T" >/dev/null || bail "gen-vectors failed"
NV=$($PY -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$T/vectors.json")
send_vectors() {
    _desc=$1 _file=$2; shift 2
    _before=$(line_count "$_file")
    _r=$(drv --stdin --timeout-ms 20000 "$@" < "$T/msgs.txt")
    if [ "$(kv acked "$_r")" != "$NV" ]; then tap_fail "$_desc: hostile values acked" "$_r"; return; fi
    wait_for_lines "$_file" $((_before + NV)) 10 >/dev/null
    tap_check "$_desc: hostile values arrive byte for byte" \
        $CHK vectors "$_file" "$T/vectors.json" --skip "$_before"
}
send_vectors "udp" "$T/sng/udp.jsonl" --transport udp --port "$SNG_UDP" --max-message 65000
send_vectors "tcp octet-counting" "$T/sng/tcp.jsonl" --transport tcp --port "$SNG_TCP"
send_vectors "tcp lf" "$T/sng/tcp_lf.jsonl" --transport tcp --framing lf --port "$SNG_TCPLF"
send_vectors "tls" "$T/sng/tls.jsonl" --transport tls --port "$SNG_TLS" $TLSOPT

tap_check "SD param escapes decoded by syslog-ng (RFC 5424 6.3.3)" $PY - "$T/sng/tcp.jsonl" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
sd = [r['SDATA']['ece@32473'] for r in recs if 'SDATA' in r]
assert sd == [{'dedupKey': 'q"b\\s]e', 'requestId': 'r-1'}], sd
EOF

# raw LF inside a message: octet counting is transparent (formats.md F5)
printf '%s\n' '<110>1 2026-05-01T12:00:00.000Z drv-host ece-auditd - CEF - line1\nline2' > "$T/lf.txt"
b=$(line_count "$T/sng/tcp.jsonl")
b2=$(line_count "$T/sng/tcp_lf.jsonl")
drv --stdin --unescape --transport tcp --port "$SNG_TCP" < "$T/lf.txt" >/dev/null
drv --stdin --unescape --transport tcp --framing lf --port "$SNG_TCPLF" < "$T/lf.txt" >/dev/null
wait_for_lines "$T/sng/tcp.jsonl" $((b + 1)) 10 >/dev/null
wait_for_lines "$T/sng/tcp_lf.jsonl" $((b2 + 1)) 10 >/dev/null
wait_stable "$T/sng/tcp_lf.jsonl" 300 5
tap_check "embedded LF: octet keeps it, LF framing turns it into a space (one record each)" \
    $PY - "$T/sng/tcp.jsonl" "$b" "$T/sng/tcp_lf.jsonl" "$b2" <<'EOF'
import json, sys
a = [json.loads(l)['msg'] for l in open(sys.argv[1], encoding='utf-8')][int(sys.argv[2]):]
b = [json.loads(l)['msg'] for l in open(sys.argv[3], encoding='utf-8')][int(sys.argv[4]):]
assert a == ['line1\nline2'], a
assert b == ['line1 line2'], b
EOF
