#!/usr/bin/env bash
# The test command (README, .ci/run): installs dependencies, then builds and runs every test
# twice: a Release build, and an AddressSanitizer + UndefinedBehaviorSanitizer build; then
# each libFuzzer target for 30 s. The Release build is build/, configured as scripts/build.sh
# does, so whatever the main job (make -f Makefile.pipeline) built is reused, not rebuilt.
# Real sample data is read from ../shared/data when present (tests skip cleanly otherwise).
# Each step says what it does and how long it took.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)

# step NAME COMMAND...: runs COMMAND between a heading and its duration.
step() {
  local name=$1 started=$SECONDS
  shift
  echo "== $name"
  "$@"
  echo "== $name: $((SECONDS - started)) s"
}

step "Dependencies (Debian packages, npm's tiktoken)" "$root/scripts/install-deps.sh"

step "Release build (build/; what is up to date is kept)" "$root/scripts/build.sh"
step "Release tests" ctest --test-dir "$root/build" -j "$jobs" --output-on-failure

source "$root/scripts/ccache-launcher.sh"
sanitize_configure() {
  cmake -S "$root" -B "$root/build-sanitize" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRACE_SANITIZE=ON \
    -DTRACE_WERROR=ON -DTRACE_BUILD_BENCH=OFF "${ccache_launcher[@]}" >/dev/null
  cmake --build "$root/build-sanitize" -j "$jobs"
}
step "Sanitizer build (ASan + UBSan, build-sanitize/)" sanitize_configure
# Sanitizers add their own memory: the flat-memory bound is checked in the Release run.
step "Sanitizer tests" env TRACE_RSS_LIMIT_MIB=1024 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1 ctest --test-dir "$root/build-sanitize" -j "$jobs" --output-on-failure

step "Fuzz dependencies (clang, libFuzzer)" "$root/scripts/install-deps.sh" --fuzz
step "Fuzz targets under libFuzzer + ASan/UBSan, 30 s each (their corpora were replayed by ctest above)" \
  "$root/scripts/fuzz.sh" all 30
echo "== scripts/test.sh: everything passed in $SECONDS s"
