#!/bin/bash
# Build the RPM from the `make dist` tarball with rpmbuild (--nodeps: the build
# dependencies are named the Fedora/RHEL way, this machine is Debian).
# Usage: packaging/build-rpm.sh BUILDDIR OUTDIR
set -euo pipefail
build=$(cd "$1" && pwd); out=$(mkdir -p "$2" && cd "$2" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
make -C "$build" dist >/dev/null
ver=$(sed -n 's/^PACKAGE_VERSION = //p' "$build/Makefile")
top=$(mktemp -d)
trap 'rm -rf "$top"' EXIT
mkdir -p "$top"/{SOURCES,SPECS,BUILD,RPMS,SRPMS}
cp "$build/ece-auditd-$ver.tar.gz" "$top/SOURCES/"
rpmbuild --define "_topdir $top" --nodeps -ba "$src/packaging/rpm/ece-auditd.spec" \
    >"$out/rpmbuild.log" 2>&1 || { tail -40 "$out/rpmbuild.log"; exit 1; }
find "$top/RPMS" "$top/SRPMS" -name '*.rpm' -exec cp {} "$out/" \;
ls "$out"/*.rpm
