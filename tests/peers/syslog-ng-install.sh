#!/bin/sh
# syslog-ng-install.sh - unpack syslog-ng-core 3.38 beside rsyslog (formats.md 4.6).
# rsyslog and syslog-ng-core conflict in Debian, so syslog-ng is never installed:
# its .debs are downloaded once and unpacked into a cache directory. Idempotent;
# works offline once unpacked. Prints the unpacked root on stdout.
#   usage: syslog-ng-install.sh [CACHE_DIR]   (default /var/cache/ece-auditd-tests/syslog-ng)
set -eu

SNG=${1:-${SYSLOG_NG_CACHE:-/var/cache/ece-auditd-tests/syslog-ng}}
BIN="$SNG/root/usr/sbin/syslog-ng"
DEPS="libivykis0 libnet1 libwrap0 libjson-c5 libglib2.0-0 libpcre3"

runs() {
    LD_LIBRARY_PATH="$SNG/root/usr/lib/syslog-ng" "$BIN" --version >/dev/null 2>&1
}

missing_deps() {
    m=""
    for p in $DEPS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || m="$m $p"
    done
    echo "$m"
}

if [ -x "$BIN" ] && runs; then
    echo "$SNG/root"
    exit 0
fi

m=$(missing_deps)
if [ -n "$m" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "syslog-ng-install: missing packages:$m (run as root)" >&2
        exit 1
    fi
    echo "syslog-ng-install: installing$m" >&2
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $m >&2
fi

mkdir -p "$SNG/deb"
if ! ls "$SNG"/deb/syslog-ng-core_*.deb >/dev/null 2>&1 || \
   ! ls "$SNG"/deb/syslog-ng-scl_*.deb >/dev/null 2>&1; then
    (cd "$SNG/deb" && apt-get download syslog-ng-core syslog-ng-scl >&2)
fi

# unpack into a fresh directory, then move it into place (no half-unpacked root)
tmp="$SNG/root.tmp.$$"
rm -rf "$tmp"
mkdir -p "$tmp"
for f in "$SNG"/deb/*.deb; do
    dpkg -x "$f" "$tmp"
done
rm -rf "$SNG/root"
mv "$tmp" "$SNG/root"

if ! runs; then
    echo "syslog-ng-install: $BIN does not run" >&2
    exit 1
fi
echo "$SNG/root"
