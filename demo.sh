#!/bin/bash
# Demo on a fresh Debian 12 machine: install what is needed, build, start the bundled
# Elasticsearch emulator loaded with the sample ECE audit trail, and tail it once with
# ece-auditd, printing the security events as RFC 5424 + CEF (FORMAT=json|leef|... to change).
set -euo pipefail
top=$(cd "$(dirname "$0")" && pwd)
cd "$top"
./tests/setup-deps.sh
# Out-of-tree build in build/ (the test suite builds in build-ci*/ the same way).
if [ ! -f build/Makefile ]; then
    NOCONFIGURE=1 ./autogen.sh >/dev/null 2>&1
    mkdir -p build && (cd build && ../configure >/dev/null)
fi
make -C build -j2 >/dev/null
work=$(mktemp -d /tmp/ece-auditd-demo.XXXXXX)
/usr/bin/python3 tests/peers/es_emulator.py --port 0 --port-file "$work/port" \
    --data tests/data/ece-samples.ndjson >"$work/emulator.log" 2>&1 &
emu=$!
trap 'kill $emu 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
cat >"$work/demo.conf" <<CONF
source = { url = "http://127.0.0.1:$(cat "$work/port")"; index = "services-logs*";
           start_at = "beginning"; settle_delay = "0s"; };
checkpoint = { path = "$work/checkpoint.json"; };
rules = ( { name = "login-bruteforce"; match = "auth.login.failure"; group_by = "source_ip";
            threshold = 2; window = "5m"; severity = 8; } );
CONF
echo "== ece-auditd tailing the emulator (sample ECE audit trail) =="
./build/ece-auditd --once -c "$work/demo.conf" --stdout "${FORMAT:-rfc5424-cef}"
