#!/bin/bash
# Every configuration key the loader knows (ece-auditd --help-config, generated from the key
# table) is documented in ece-auditd.conf(5) and in the sample configuration; the man pages
# render without warnings.
. "$TOP_SRCDIR/tests/integration/common.sh"
MAN5="$TOP_SRCDIR/packaging/man/ece-auditd.conf.5"
"$ECE_AUDITD" --help-config | awk '{print $1}' >"$T/keys"
check "--help-config lists the keys" test "$(wc -l <"$T/keys")" -ge 60
missing=""
while read -r k; do
    leaf=${k##*.}
    grep -qE "(^|[^a-z_])($k|$leaf)([^a-z_]|$)" "$MAN5" || missing="$missing $k"
done <"$T/keys"
check "every key is documented in ece-auditd.conf(5)${missing:+ (missing:$missing)}" test -z "$missing"
missing=""
while read -r k; do
    leaf=${k##*.}
    grep -qE "(^|[^a-z_])$leaf[[:space:]]*=" "$TOP_SRCDIR/conf/ece-auditd.conf" || missing="$missing $k"
done < <(grep -vE '^(outputs|rules)$' "$T/keys")
check "every key appears in conf/ece-auditd.conf${missing:+ (missing:$missing)}" test -z "$missing"
for m in ece-auditd.8 ece-auditd.conf.5; do
    check "man page $m renders without warnings" bash -c \
        "LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l '$TOP_SRCDIR/packaging/man/$m' 2>&1 >/dev/null | grep -v '^$' | (! grep -q .)"
done
check "sample configuration passes --check-config" "$ECE_AUDITD" --check-config -c "$TOP_SRCDIR/conf/ece-auditd.conf"
finish
