#!/usr/bin/python3
"""stall_peer.py - a syslog "receiver" that accepts one connection and never reads from it,
so its kernel acknowledges only what fits in a small receive buffer. On SIGTERM it takes a
copy of exactly the bytes its TCP stack acknowledged (MSG_PEEK: nothing is consumed, so the
window never reopens and nothing more can arrive), decodes the octet-counted frames (after
TLS decryption with --tls), writes one message per line to --out, and resets the connection.

usage: stall_peer.py --port-file F --out F [--rcvbuf BYTES] [--tls CERT KEY]
"""
import argparse
import os
import signal
import socket
import ssl
import struct
import sys
import termios
import fcntl

ap = argparse.ArgumentParser()
ap.add_argument('--port-file', required=True)
ap.add_argument('--out', required=True)
ap.add_argument('--rcvbuf', type=int, default=4096)
ap.add_argument('--tls', nargs=2, metavar=('CERT', 'KEY'))
a = ap.parse_args()

lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lsock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, a.rcvbuf)  # inherited by accept()
lsock.bind(('127.0.0.1', 0))
lsock.listen(1)
tmp = a.port_file + '.tmp'
with open(tmp, 'w') as f:
    f.write('%d\n' % lsock.getsockname()[1])
os.rename(tmp, a.port_file)

conn, _ = lsock.accept()
tls_in = tls_obj = None
if a.tls:
    # server handshake through memory BIOs, so that afterwards the socket is only peeked
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.tls[0], a.tls[1])
    tls_in, tls_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls_obj = ctx.wrap_bio(tls_in, tls_out, server_side=True)
    while True:
        try:
            tls_obj.do_handshake()
            break
        except ssl.SSLWantReadError:
            conn.sendall(tls_out.read())
            data = conn.recv(65536)
            if not data:
                sys.exit('client went away during the handshake')
            tls_in.write(data)
    conn.sendall(tls_out.read())

signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
signal.sigwait({signal.SIGTERM, signal.SIGINT})

n = struct.unpack('i', fcntl.ioctl(conn.fileno(), termios.FIONREAD, b'\0\0\0\0'))[0]
raw = conn.recv(n, socket.MSG_PEEK) if n else b''
if tls_obj is not None:
    tls_in.write(raw)
    stream = b''
    try:
        while True:
            stream += tls_obj.read(65536)
    except (ssl.SSLWantReadError, ssl.SSLZeroReturnError):
        pass
else:
    stream = raw

# octet-counted frames "LEN SP MSG"; an incomplete last frame is not a message
msgs = []
pos = 0
while True:
    sp = stream.find(b' ', pos)
    if sp < 0:
        break
    ln = int(stream[pos:sp])
    if sp + 1 + ln > len(stream):
        break
    msgs.append(stream[sp + 1:sp + 1 + ln])
    pos = sp + 1 + ln
with open(a.out, 'wb') as f:
    for m in msgs:
        f.write(m + b'\n')
print('peeked_bytes=%d plaintext=%d messages=%d' % (len(raw), len(stream), len(msgs)))
sys.stdout.flush()

conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
conn.close()  # RST: what the peer had acknowledged is all it ever got
lsock.close()
