#!/bin/sh
# syslog_restart.sh - rsyslog is killed (-9, then SIGTERM) and restarted on the same port
# while 20000 messages stream over TCP and TLS. Every message unacked when the connection
# broke is resent and arrives; the driver acks all 20000 in the end; connection changes are
# logged once. rsyslog itself loses what its kernel had acknowledged but it had not written
# (socket buffer + main queue) - on kill -9 and on SIGTERM alike - so "acked => received"
# cannot hold against it; those numbers are reported here, and the strict property is
# proved against a peer that keeps its bytes in syslog_ack_contract.sh.
. "$(dirname "$0")/../peers/lib.sh"
lib_init
make_certs
rsyslog_setup
rsyslog_start
tap_plan 12

N=20000
CHK="$PY $PEERS/check_received.py"

# scenario TRANSPORT SIGNAL
scenario() {
    _tr=$1 _sig=$2
    if [ "$_tr" = tcp ]; then _port=$RS_TCP; else _port=$RS_TLS; fi
    _out="$T/out/$_tr.jsonl"
    _acked="$T/acked-$_tr-$_sig.txt"
    _log="$T/drv-$_tr-$_sig.log"
    _before=$(line_count "$_out")
    "$OUT_DRIVER" --transport "$_tr" --port "$_port" --host localhost --ca "$T/pki/ca.pem" \
        --count $N --pad 400 --timeout-ms 45000 --reconnect-max-ms 1000 --acked-file "$_acked" \
        >"$T/drv.out" 2>"$_log" &
    _d=$!
    track_pid $_d
    # mid-stream from the sender's side: a quarter acked, thousands still in flight. The
    # messages are padded to ~560 bytes (11 MB in all) so that rsyslog's socket buffer
    # (autotuned up to tcp_rmem max, 6 MB) cannot swallow the whole stream while it stops.
    wait_for_lines "$_acked" $((N / 4)) 30 >/dev/null || diag "driver slow"
    rsyslog_stop "$_sig"
    _at_kill=$(grep -c '^[0-9]' "$_acked")
    rsyslog_start
    wait $_d
    _rc=$?
    untrack_pid $_d
    _r=$(cat "$T/drv.out")
    if [ $_rc = 0 ] && [ "$(kv acked "$_r")" = $N ]; then
        tap_ok "$_tr kill -$_sig: all $N acked after the restart"
    else
        tap_fail "$_tr kill -$_sig: all $N acked after the restart" "rc=$_rc $_r"
    fi
    # the receiver file holds earlier scenarios too: check this one's slice
    _c=$($CHK numbers "$_out" --skip-lines "$_before" --count $N --acked "$_acked" --allow-dups \
        --lossy-receiver --wait 20 2>&1)
    _crc=$?
    diag "$_tr kill -$_sig: acked_at_stop=$_at_kill $(printf '%s' "$_c" | head -1) retried=$(kv retried "$_r")"
    if [ $_crc = 0 ]; then
        tap_ok "$_tr kill -$_sig: every message unacked at the loss was resent and arrived intact"
    else
        tap_fail "$_tr kill -$_sig: every message unacked at the loss was resent and arrived intact" "$_c"
    fi
    _l=$(grep -c 'connection lost' "$_log")/$(grep -c 'reconnected' "$_log")/$(grep -c 'cannot connect' "$_log")
    tap_check "$_tr kill -$_sig: one 'connection lost', one 'reconnected', no per-retry lines" \
        test "$_l" = 1/1/0
}

scenario tcp KILL
scenario tls KILL
scenario tcp TERM
scenario tls TERM
