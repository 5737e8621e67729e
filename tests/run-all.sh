#!/bin/bash
# The whole test suite: install dependencies, build with -Werror, run every test,
# build again with AddressSanitizer + UndefinedBehaviorSanitizer and run everything
# again, then print "N passed, N failed" as the last line.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
"$top/tests/setup-deps.sh" || { echo "dependency installation failed"; echo "0 passed, 1 failed"; exit 1; }

pass=0 fail=0
count() { # $1 = make check output file
    local p f e x
    p=$(grep -E '^# PASS: ' "$1" | tail -1 | awk '{print $3}')
    f=$(grep -E '^# FAIL: ' "$1" | tail -1 | awk '{print $3}')
    e=$(grep -E '^# ERROR: ' "$1" | tail -1 | awk '{print $3}')
    x=$(grep -E '^# XPASS: ' "$1" | tail -1 | awk '{print $3}')
    pass=$((pass + ${p:-0}))
    fail=$((fail + ${f:-0} + ${e:-0} + ${x:-0}))
    if [ -z "$p" ]; then fail=$((fail + 1)); fi
}
run_build() { # $1 = build dir, rest = configure flags
    local dir=$1; shift
    rm -rf "$dir"; mkdir -p "$dir"
    ( cd "$dir" && "$top/configure" --enable-werror "$@" >configure.out 2>&1 ) ||
        { echo "configure failed ($dir)"; cat "$dir/configure.out" | tail -20; fail=$((fail + 1)); return; }
    ( cd "$dir" && make -j2 >make.out 2>&1 ) ||
        { echo "build failed ($dir)"; tail -40 "$dir/make.out"; fail=$((fail + 1)); return; }
    ( cd "$dir" && make -j2 check >check.out 2>&1 )
    grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP):' "$dir/check.out" | grep -v '^PASS' | head -50
    grep -E '^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' "$dir/check.out"
    for log in $(grep -l -E '^(FAIL|ERROR)' $(find "$dir/tests" -name '*.log' 2>/dev/null) 2>/dev/null | head -5); do
        echo "---- $log"; tail -30 "$log"
    done
    count "$dir/check.out"
}

NOCONFIGURE=1 ./autogen.sh >/dev/null 2>&1 || { echo "autogen failed"; echo "0 passed, 1 failed"; exit 1; }
echo "== build and test (gcc, -Werror)"
run_build "$top/build-ci"
echo "== packages (.deb installed, run as its user, removed, purged; .rpm built)"
if [ -f "$top/build-ci/ece-auditd" ]; then
    "$top/tests/packaging/test-packages.sh" "$top/build-ci" >"$top/build-ci/packaging.out" 2>&1
    grep -E '^(not ok|# )' "$top/build-ci/packaging.out"
    pass=$((pass + $(grep -c '^ok ' "$top/build-ci/packaging.out")))
    fail=$((fail + $(grep -c '^not ok ' "$top/build-ci/packaging.out")))
fi
echo "== build and test (ASan + UBSan)"
run_build "$top/build-ci-san" --enable-sanitizers
echo "== fuzzing (libFuzzer, ${SECONDS_PER_TARGET:-60}s per target)"
if command -v clang >/dev/null; then
    "$top/tests/fuzz/run-fuzzers.sh" "$top/build-ci-fuzz" >"$top/build-ci-fuzz.out" 2>&1
    grep -E '^(ok|not ok|# )' "$top/build-ci-fuzz.out"
    pass=$((pass + $(grep -c '^ok ' "$top/build-ci-fuzz.out")))
    fail=$((fail + $(grep -c '^not ok ' "$top/build-ci-fuzz.out")))
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
