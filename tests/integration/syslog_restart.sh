#!/bin/sh
# syslog_restart.sh - rsyslog is killed (-9, then SIGTERM) and restarted on the same port
# while 20000 messages stream over TCP and TLS.
# With ack_delay = 2s (the default) the strict property holds: every message the output
# acked was received by rsyslog, and every message arrives at least once (duplicates are
# counted: what was inside the delay when the connection broke is sent again). rsyslog
# loses what its kernel acknowledged but it had not yet written (socket buffer + main
# queue) on kill -9 and on SIGTERM alike; it breaks the connection while doing so, which
# is what the delay waits for.
# With ack_delay = 0 (ack at the TCP ack) those losses are measured and reported only:
# every message unacked at the loss must still be resent and arrive.
# Each run: all 20000 acked in the end, connection changes logged once.
. "$(dirname "$0")/../peers/lib.sh"
lib_init
make_certs
rsyslog_setup
rsyslog_start
tap_plan 24

N=20000
CHK="$PY $PEERS/check_received.py"

# scenario TRANSPORT SIGNAL ACK_DELAY_MS
scenario() {
    _tr=$1 _sig=$2 _delay=$3
    _name="$_tr kill -$_sig ack_delay=${_delay}ms"
    if [ "$_tr" = tcp ]; then _port=$RS_TCP; else _port=$RS_TLS; fi
    _out="$T/out/$_tr.jsonl"
    _acked="$T/acked-$_tr-$_sig-$_delay.txt"
    _log="$T/drv-$_tr-$_sig-$_delay.log"
    _before=$(line_count "$_out")
    "$OUT_DRIVER" --transport "$_tr" --port "$_port" --host localhost --ca "$T/pki/ca.pem" \
        --count $N --pad 400 --timeout-ms 45000 --reconnect-max-ms 1000 --acked-file "$_acked" \
        --ack-delay-ms "$_delay" >"$T/drv.out" 2>"$_log" &
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
        tap_ok "$_name: all $N acked after the restart"
    else
        tap_fail "$_name: all $N acked after the restart" "rc=$_rc $_r"
    fi
    # the receiver file holds earlier scenarios too: check this one's slice
    if [ "$_delay" = 0 ]; then
        _desc="every message unacked at the loss was resent and arrived (losses reported)"
        _c=$($CHK numbers "$_out" --skip-lines "$_before" --count $N --acked "$_acked" \
            --allow-dups --lossy-receiver --wait 20 2>&1)
    else
        _desc="every acked message was received, every message at least once"
        _c=$($CHK numbers "$_out" --skip-lines "$_before" --count $N --acked "$_acked" \
            --allow-dups --allow-torn --wait 20 2>&1)
    fi
    _crc=$?
    diag "$_name: acked_at_stop=$_at_kill $(printf '%s' "$_c" | head -1) retried=$(kv retried "$_r")"
    if [ $_crc = 0 ]; then
        tap_ok "$_name: $_desc"
    else
        tap_fail "$_name: $_desc" "$_c"
    fi
    _l=$(grep -c 'connection lost' "$_log")/$(grep -c 'reconnected' "$_log")/$(grep -c 'cannot connect' "$_log")
    tap_check "$_name: one 'connection lost', one 'reconnected', no per-retry lines" \
        test "$_l" = 1/1/0
}

for delay in 2000 0; do
    scenario tcp KILL $delay
    scenario tls KILL $delay
    scenario tcp TERM $delay
    scenario tls TERM $delay
done
