#!/bin/sh
# syslog_tls_verify.sh - TLS (RFC 5425) server authentication and client certificates against
# real peers: a wrong CA and a wrong name are refused (never acked, logged once at error);
# IP SANs, the server_name override and verify=false work; mutual TLS with rsyslog
# (x509/certvalid) and syslog-ng (required-trusted); openssl s_server shows SNI, refuses
# TLS 1.1 and receives our close_notify.
. "$(dirname "$0")/../peers/lib.sh"
lib_init
make_certs
rsyslog_setup
rsyslog_start
sng_setup
sng_start
tap_plan 15

CHK="$PY $PEERS/check_received.py"
N=20
# refused DESC LOGPATTERN ARGS...: nothing acked within 3 s, nothing received, one log line
refused() {
    _desc=$1 _pat=$2; shift 2
    : > "$T/drv.log"
    _r=$(drv --count $N --timeout-ms 3000 --verbose "$@")
    _tries=$(grep -c 'attempt failed' "$T/drv.log")
    if [ "$(kv acked "$_r")" = 0 ] && [ "$(kv pending "$_r")" = $N ] &&
       [ "$(grep -c "^error .*cannot connect.*$_pat" "$T/drv.log")" = 1 ] && [ "$_tries" -ge 1 ]; then
        tap_ok "$_desc: refused, nothing acked, logged once over $((_tries + 1)) attempts"
    else
        tap_fail "$_desc: refused, nothing acked, logged once" "$_r
$(grep -v 'attempt failed' "$T/drv.log")"
    fi
}
# delivered DESC FILE START ARGS...: all N acked and received exactly once
delivered() {
    _desc=$1 _file=$2 _start=$3; shift 3
    _r=$(drv --count $N --start "$_start" --timeout-ms 10000 "$@")
    if [ "$(kv acked "$_r")" != $N ]; then tap_fail "$_desc" "$_r"; return; fi
    wait_for_lines "$_file" $((_start + N - 1)) 10 >/dev/null
    tap_check "$_desc" $CHK numbers "$_file" --count $((_start + N - 1))
}

refused "rsyslog, unrelated CA" "unable to get local issuer certificate" \
    --transport tls --port "$RS_TLS" --host localhost --ca "$T/pki/other-ca.pem"
refused "rsyslog, name not in the certificate" "hostname mismatch" \
    --transport tls --port "$RS_TLS" --host 127.0.0.1 --server-name wrong.example --ca "$T/pki/ca.pem"
refused "rsyslog, system store does not know the test CA" "unable to get local issuer certificate" \
    --transport tls --port "$RS_TLS" --host localhost
tap_check "nothing reached rsyslog from the refused sessions" test "$(line_count "$T/out/tls.jsonl")" = 0

delivered "IP literal verified against the IP SAN" "$T/out/tls.jsonl" 1 \
    --transport tls --port "$RS_TLS" --host 127.0.0.1 --ca "$T/pki/ca.pem"
delivered "server_name overrides the name verified" "$T/out/tls.jsonl" $((N + 1)) \
    --transport tls --port "$RS_TLS" --host 127.0.0.1 --server-name localhost --ca "$T/pki/ca.pem"
delivered "verify=false accepts an unknown CA" "$T/out/tls.jsonl" $((2 * N + 1)) \
    --transport tls --port "$RS_TLS" --host localhost --ca "$T/pki/other-ca.pem" --no-verify

# mutual TLS: without a client certificate the server drops the session after the handshake
# (TLS 1.3): the probation keeps those bytes from being acked
for peer in rsyslog syslog-ng; do
    if [ $peer = rsyslog ]; then port=$RS_MTLS; else port=$SNG_MTLS; fi
    r=$(drv --count $N --timeout-ms 3000 --transport tls --port "$port" --host localhost \
        --ca "$T/pki/ca.pem")
    tap_check "$peer mTLS without a client certificate: nothing acked" test "$(kv acked "$r")" = 0
done
delivered "rsyslog mTLS (x509/certvalid) with a client certificate" "$T/out/mtls.jsonl" 1 \
    --transport tls --port "$RS_MTLS" --host localhost --ca "$T/pki/ca.pem" \
    --cert "$T/pki/client.pem" --key "$T/pki/client.key"
wait_stable "$T/out/mtls.jsonl" 300 5
tap_check "rsyslog mTLS: only the authenticated session delivered" test "$(line_count "$T/out/mtls.jsonl")" = $N
delivered "syslog-ng mTLS (required-trusted) with a client certificate" "$T/sng/mtls.jsonl" 1 \
    --transport tls --port "$SNG_MTLS" --host localhost --ca "$T/pki/ca.pem" \
    --cert "$T/pki/client.pem" --key "$T/pki/client.key"

# openssl s_server: SNI, protocol floor, close_notify
# s_server [ARGS...]: start one on a free port with stdin held open ($T/ss.out)
s_server() {
    SS_PORT=$(free_port tcp)
    rm -f "$T/ss.in"; mkfifo "$T/ss.in"
    openssl s_server -accept "127.0.0.1:$SS_PORT" -cert "$T/pki/server.pem" \
        -key "$T/pki/server.key" "$@" < "$T/ss.in" > "$T/ss.out" 2>&1 &
    SS_PID=$!
    track_pid $SS_PID
    exec 3>"$T/ss.in"
    wait_for_listen tcp "$SS_PORT" || bail "openssl s_server did not start"
}
s_server_stop() { exec 3>&-; kill $SS_PID 2>/dev/null; wait $SS_PID 2>/dev/null; untrack_pid $SS_PID; }

s_server -cert2 "$T/pki/server.pem" -key2 "$T/pki/server.key" -servername localhost -msg
r=$(drv --count 3 --timeout-ms 5000 --transport tls --port "$SS_PORT" --host localhost --ca "$T/pki/ca.pem")
wait_for_lines "$T/ss.out" 1 5 >/dev/null
s_server_stop
tap_check "SNI carries the host name" grep -q 'Hostname in TLS extension: "localhost"' "$T/ss.out"
tap_check "close_notify sent on close" grep -q '<<< .*Alert.*close_notify' "$T/ss.out"

s_server -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
: > "$T/drv.log"
r=$(drv --count 3 --timeout-ms 2000 --transport tls --port "$SS_PORT" --host localhost --ca "$T/pki/ca.pem")
s_server_stop
tap_check "a TLS 1.1-only server is refused (minimum TLS 1.2)" sh -c \
    "test '$(kv acked "$r")' = 0 && grep -q 'protocol version' '$T/drv.log'"
