#!/bin/bash
# Build the libFuzzer targets with clang (ASan + UBSan + libFuzzer) and run each for
# SECONDS seconds (default 60) from the checked-in corpus. Long runs: SECONDS=3600.
# Usage: tests/fuzz/run-fuzzers.sh [BUILDDIR]   Prints TAP; new crash inputs are kept.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
b=${1:-$top/build-fuzz}
secs=${SECONDS_PER_TARGET:-60}
mkdir -p "$b"
( cd "$b" && CC=clang "$top/configure" --enable-fuzzing --enable-sanitizers >configure.out 2>&1 &&
  make -j2 tests/fuzz/fuzz_normalize tests/fuzz/fuzz_cfg tests/fuzz/fuzz_checkpoint tests/fuzz/fuzz_jdoc >make.out 2>&1 ) ||
  { echo "1..1"; echo "not ok 1 - fuzzers build"; tail -20 "$b/make.out" "$b/configure.out" 2>/dev/null; exit 1; }
n=0 fail=0
for t in normalize cfg checkpoint jdoc; do
    n=$((n + 1))
    work=$(mktemp -d); cp -r "$top/tests/fuzz/corpus/$t/." "$work/"
    if ( cd "$b" && LSAN_OPTIONS=suppressions=$top/tests/lsan.supp ./tests/fuzz/fuzz_$t -max_total_time="$secs" -max_len=65536 -timeout=10 \
            -rss_limit_mb=2048 "$work" >"fuzz_$t.log" 2>&1 ); then
        execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$b/fuzz_$t.log" | grep -o '[0-9]*$')
        [ -z "$execs" ] && execs=$(grep -oE '#[0-9]+' "$b/fuzz_$t.log" | tail -1 | tr -d '#')
        echo "ok $n - fuzz_$t: ${execs:-?} executions in ${secs}s, no crash"
    else
        fail=$((fail + 1))
        echo "not ok $n - fuzz_$t found a crash (input kept in $b)"
        grep -E 'ERROR|SUMMARY|Test unit written' "$b/fuzz_$t.log" | head -5 | sed 's/^/# /'
    fi
    rm -rf "$work"
done
echo "1..$n"
[ "$fail" = 0 ]
