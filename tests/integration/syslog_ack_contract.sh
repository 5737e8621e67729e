#!/bin/sh
# syslog_ack_contract.sh - the ack contract, strictly: a message is acked only when the
# peer's TCP stack acknowledged its last byte. A peer that never reads (tiny receive buffer)
# lets the driver write everything into its socket, yet only what the peer acknowledged is
# acked; the peer then resets the connection keeping exactly those bytes (stall_peer.py);
# rsyslog takes over the port and receives everything else. Over TCP and over TLS (where
# record overhead makes the byte counts differ).
. "$(dirname "$0")/../peers/lib.sh"
lib_init
make_certs
tap_plan 8

N=5000

for tr in tcp tls; do
    pf="$T/peer-$tr.port"
    tlsarg=""
    [ $tr = tls ] && tlsarg="--tls $T/pki/server.pem $T/pki/server.key"
    # shellcheck disable=SC2086
    $PY "$PEERS/stall_peer.py" --port-file "$pf" --out "$T/peer-$tr.txt" --rcvbuf 65536 $tlsarg \
        >"$T/peer-$tr.out" 2>&1 &
    peer=$!
    track_pid $peer
    wait_for_file "$pf" 10 || bail "stall_peer did not start"
    port=$(cat "$pf")
    unset RS_UDP RS_TCP RS_TLS RS_MTLS
    if [ $tr = tcp ]; then RS_TCP=$port; else RS_TLS=$port; fi
    rsyslog_setup

    acked="$T/acked-$tr.txt"
    "$OUT_DRIVER" --transport $tr --port "$port" --host localhost --ca "$T/pki/ca.pem" \
        --count $N --timeout-ms 30000 --reconnect-max-ms 500 --acked-file "$acked" \
        >"$T/drv.out" 2>"$T/drv-$tr.log" &
    d=$!
    track_pid $d
    wait_for_file "$acked" 10 || diag "nothing acked within 10 s"
    wait_stable "$acked" 1000 15
    stalled=$(grep -c '^[0-9]' "$acked")
    tap_check "$tr: peer not reading: only $stalled of $N acked, the rest waits" \
        sh -c "test $stalled -gt 0 && test $stalled -lt $N && kill -0 $d"

    kill -TERM $peer
    wait $peer
    untrack_pid $peer
    diag "$tr stall peer: $(cat "$T/peer-$tr.out")"
    rsyslog_start
    wait $d
    rc=$?
    untrack_pid $d
    r=$(cat "$T/drv.out")
    tap_check "$tr: after the reset, rsyslog gets the rest and all $N are acked" \
        sh -c "test $rc = 0 && test '$(kv acked "$r")' = $N"
    wait_for_lines "$T/out/$tr.jsonl" $((N - stalled)) 10 >/dev/null
    wait_stable "$T/out/$tr.jsonl" 500 10
    tap_check "$tr: acked => acknowledged by the peer's TCP stack; nothing lost" \
        $PY - "$acked" "$T/peer-$tr.txt" "$T/out/$tr.jsonl" $N <<'EOF'
import json, re, sys
acked_path, peer_path, rs_path, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
num = lambda m: int(re.search(r'cn1=(\d+) ', m).group(1))
before, after, lost = [], [], False
for line in open(acked_path):
    if line.startswith('#'):
        lost = True
    elif line.strip():
        (after if lost else before).append(int(line))
peer = [num(l) for l in open(peer_path, encoding='utf-8') if l.strip()]
rs = [num(json.loads(l)['msg']) for l in open(rs_path, encoding='utf-8')]
# strict: every message acked before the reset is among the bytes the peer acknowledged
missing_at_peer = sorted(set(before) - set(peer))
assert not missing_at_peer, ('acked but never acknowledged by the peer', missing_at_peer[:10])
# and nothing is lost across the reset: all numbers delivered, all acked
got = set(peer) | set(rs)
assert got == set(range(1, n + 1)), ('missing', sorted(set(range(1, n + 1)) - got)[:10])
assert sorted(before + after) == sorted(set(before + after)) and len(before + after) == n
print('acked_before_reset=%d peer_had=%d rsyslog_got=%d duplicates=%d' % (
    len(before), len(peer), len(rs), len(peer) + len(rs) - n))
EOF
    diag "$tr: $(grep -c . "$T/peer-$tr.txt") messages kept by the peer, $(line_count "$T/out/$tr.jsonl") received by rsyslog, driver: $r"
    tap_check "$tr: the reset is logged once as a lost connection" \
        test "$(grep -c 'connection lost' "$T/drv-$tr.log")" = 1
    rsyslog_stop TERM
done
