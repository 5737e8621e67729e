#!/bin/bash
# Build the .deb and the .rpm, install the .deb on this machine, run the installed binary
# as the packaged user with the packaged (edited) configuration against the ES emulator,
# then remove and purge it and check nothing is left behind. Prints TAP.
# Usage: tests/packaging/test-packages.sh BUILDDIR   (a configured build tree; needs root)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
T=$(mktemp -d /tmp/ece-pkg.XXXXXX)
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { local d=$1; shift; if "$@" >"$T/out" 2>&1; then ok "$d"; else not_ok "$d"; sed 's/^/# /' "$T/out" | tail -20; fi; }
emu=""
cleanup() { [ -n "$emu" ] && kill "$emu" 2>/dev/null; dpkg -P ece-auditd >/dev/null 2>&1; rm -rf "$T"; }
trap cleanup EXIT

if [ "$(id -u)" != 0 ]; then echo "1..0 # SKIP needs root"; exit 0; fi
dpkg -P ece-auditd >/dev/null 2>&1

check "Debian package builds (dpkg-buildpackage -us -uc -b)" "$top/packaging/build-deb.sh" "$build" "$T/deb"
deb=$(ls "$T"/deb/ece-auditd_*.deb 2>/dev/null | head -1)
check "lintian reports no errors" bash -c "lintian --fail-on error --allow-root '$deb' 2>&1 | grep -v '^[WIN]:' ; exit \${PIPESTATUS[0]}"
check "dpkg -i installs it" dpkg -i "$deb"
check "system user ece-auditd exists" getent passwd ece-auditd
check "state directory /var/lib/ece-auditd is 0700 ece-auditd" \
    test "$(stat -c '%a %U' /var/lib/ece-auditd)" = "700 ece-auditd"
check "configuration is a conffile" bash -c "dpkg-query -W -f='\${Conffiles}' ece-auditd | grep -q /etc/ece-auditd/ece-auditd.conf"
check "systemd unit installed" test -f /lib/systemd/system/ece-auditd.service
check "man pages installed" bash -c 'test -f /usr/share/man/man8/ece-auditd.8.gz && test -f /usr/share/man/man5/ece-auditd.conf.5.gz'
check "installed --version" /usr/sbin/ece-auditd --version
check "installed --check-config on the packaged config" runuser -u ece-auditd -- /usr/sbin/ece-auditd --check-config
if command -v systemd-analyze >/dev/null; then
    check "systemd-analyze verify accepts the unit" bash -c \
        "systemd-analyze verify /lib/systemd/system/ece-auditd.service 2>&1 | grep -v -i 'man ' | grep -q . && exit 1 || exit 0"
    exposure=$(systemd-analyze security --offline=true /lib/systemd/system/ece-auditd.service 2>/dev/null |
        sed -n 's/.*Overall exposure level for ece-auditd.service: \([0-9.]*\).*/\1/p')
    echo "# systemd-analyze security exposure: $exposure"
    check "systemd exposure below 2.0" awk -v e="$exposure" 'BEGIN { exit !(e != "" && e < 2.0) }'
fi

# Point the packaged config at the emulator, as a user edits one file, and run as the user.
/usr/bin/python3 "$top/tests/peers/es_emulator.py" --port 0 --port-file "$T/es.port" --control \
    --data "$top/tests/data/ece-samples.ndjson" >"$T/es.log" 2>&1 &
emu=$!
for _ in $(seq 100); do [ -s "$T/es.port" ] && break; sleep 0.1; done
port=$(cat "$T/es.port")
/usr/bin/python3 - "$port" <<'PYEOF'
import re, sys
p = "/etc/ece-auditd/ece-auditd.conf"
s = open(p).read()
s = re.sub(r'(?m)^(\s*)(url|cloud_id)\s*=\s*"[^"]*";', r'\1url = "http://127.0.0.1:%s";' % sys.argv[1], s, count=1)
s = re.sub(r'(?m)^(\s*)start_at\s*=\s*"[^"]*";', r'\1start_at = "beginning";', s, count=1)
s = re.sub(r'(?m)^(\s*)settle_delay\s*=\s*"[^"]*";', r'\1settle_delay = "0s";', s, count=1)
open(p, "w").write(s)
PYEOF
check "installed binary runs as ece-auditd with the packaged config (--once)" \
    runuser -u ece-auditd -- /usr/sbin/ece-auditd --once
check "events flowed to the packaged file output" bash -c \
    'test "$(wc -l </var/log/ece-auditd/events.log)" -ge 20'
check "checkpoint written 0600 by the service user" bash -c \
    'test "$(stat -c "%a %U" /var/lib/ece-auditd/checkpoint.json)" = "600 ece-auditd"'
check "dpkg -r removes the package" dpkg -r ece-auditd
check "remove keeps the (modified) configuration" test -f /etc/ece-auditd/ece-auditd.conf
check "remove leaves no binary" test ! -e /usr/sbin/ece-auditd
check "dpkg -P purges configuration, state and logs" bash -c \
    'dpkg -P ece-auditd && test ! -e /etc/ece-auditd && test ! -e /var/lib/ece-auditd && test ! -e /var/log/ece-auditd'
check "purge removes the system user" bash -c '! getent passwd ece-auditd'

check "RPM builds with rpmbuild -ba (--nodeps)" "$top/packaging/build-rpm.sh" "$build" "$T/rpm"
rpm=$(ls "$T"/rpm/ece-auditd-0*.x86_64.rpm "$T"/rpm/ece-auditd-[0-9]*.rpm 2>/dev/null | grep -v src | head -1)
check "RPM holds the binary, config, unit, man pages" bash -c \
    "rpm -qlp '$rpm' 2>/dev/null | grep -q /usr/sbin/ece-auditd && rpm -qlp '$rpm' | grep -q ece-auditd.service && rpm -qlp '$rpm' | grep -q /etc/ece-auditd/ece-auditd.conf && rpm -qlp '$rpm' | grep -q man5"
echo "1..$n"
[ "$failed" = 0 ]
