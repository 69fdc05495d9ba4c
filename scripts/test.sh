#!/usr/bin/env bash
# The test command (README, .ci/run): installs dependencies, then builds and runs every test
# twice: a Release build, and an AddressSanitizer + UndefinedBehaviorSanitizer build.
# Real sample data is read from ../shared/data when present (tests skip cleanly otherwise).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
jobs=$(nproc)

echo "== Release build and tests"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release -DTRACE_WERROR=ON >/dev/null
cmake --build "$root/build" -j "$jobs"
ctest --test-dir "$root/build" -j "$jobs" --output-on-failure

echo "== Sanitizer build (ASan + UBSan) and tests"
cmake -S "$root" -B "$root/build-sanitize" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRACE_SANITIZE=ON \
  -DTRACE_WERROR=ON -DTRACE_BUILD_BENCH=OFF >/dev/null
cmake --build "$root/build-sanitize" -j "$jobs"
# Sanitizers add their own memory: the flat-memory bound is checked in the Release run.
TRACE_RSS_LIMIT_MIB=1024 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir "$root/build-sanitize" -j "$jobs" --output-on-failure

echo "== Fuzz targets under libFuzzer + ASan/UBSan (clang), 30 s each; their corpora were replayed by ctest above"
"$root/scripts/install-deps.sh" --fuzz
"$root/scripts/fuzz.sh" all 30
