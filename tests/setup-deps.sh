#!/bin/sh
# Install everything ece-auditd needs to build and to run its whole test suite on
# Debian 12 (build tools, libraries, and the real peers: rsyslog, syslog-ng, kcat).
# Idempotent; uses sudo when not root.
set -e
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
PKGS="build-essential autoconf automake libtool pkg-config \
  librdkafka-dev libcurl4-openssl-dev libjson-c-dev libconfig-dev libssl-dev libcmocka-dev \
  libjemalloc-dev libjsmn-dev \
  python3 openssl ca-certificates rsyslog rsyslog-gnutls kcat \
  libivykis0 libnet1 libwrap0 libjson-c5 libglib2.0-0 libpcre3 \
  valgrind clang libclang-rt-14-dev jq dpkg-dev debhelper fakeroot rpm lintian procps"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
