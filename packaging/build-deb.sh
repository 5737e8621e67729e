#!/bin/bash
# Build the Debian binary package from a clean `make dist` tarball.
# Usage: packaging/build-deb.sh BUILDDIR OUTDIR   (BUILDDIR: a configured build tree)
set -euo pipefail
build=$(cd "$1" && pwd); out=$(mkdir -p "$2" && cd "$2" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
make -C "$build" dist >/dev/null
ver=$(sed -n 's/^PACKAGE_VERSION = //p' "$build/Makefile")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -C "$work" -xzf "$build/ece-auditd-$ver.tar.gz"
cp -r "$src/packaging/debian" "$work/ece-auditd-$ver/debian"
( cd "$work/ece-auditd-$ver" && dpkg-buildpackage -us -uc -b >"$out/dpkg-buildpackage.log" 2>&1 ) ||
    { tail -40 "$out/dpkg-buildpackage.log"; exit 1; }
cp "$work"/*.deb "$out/"
ls "$out"/*.deb
