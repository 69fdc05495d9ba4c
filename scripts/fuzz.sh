#!/usr/bin/env bash
# Runs one libFuzzer target (tests/fuzz/<target>.cpp) for SECONDS (default 60), or every
# target in turn with "all". Builds build-fuzz/ with clang, -DTRACE_FUZZ=ON (ASan + UBSan).
# The repository corpus (tests/fuzz/corpus/<target>) seeds a working corpus in
# build-fuzz/corpus/<target>, which grows there; crashes land in build-fuzz/artifacts/<target>/
# (copy one into tests/fuzz/corpus/<target>/ once fixed: the replay test keeps it fixed).
#   scripts/fuzz.sh writer 300
#   scripts/fuzz.sh all 30          # what CI runs
# Needs clang and libFuzzer: scripts/install-deps.sh --fuzz.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# The targets are those tests/fuzz/CMakeLists.txt builds.
read -r -a targets <<<"$(sed -n 's/^set(TRACE_FUZZ_TARGETS \(.*\))$/\1/p' "$root/tests/fuzz/CMakeLists.txt")"
[[ $# -ge 1 ]] || { echo "usage: scripts/fuzz.sh TARGET|all [SECONDS]   (targets: ${targets[*]})" >&2; exit 2; }
target=$1
seconds=${2:-60}
# Targets with an open finding (tests/fuzz/README.md, "Open"): left out of `all` (CI's short
# runs) until it is fixed; run them by name. Their corpora are still replayed by ctest.
open_findings=()
if [[ $target == all ]]; then
  selected=()
  for t in "${targets[@]}"; do [[ " ${open_findings[*]} " == *" $t "* ]] || selected+=("$t"); done
  # CI's runs take a fixed seed, so a run's outcome is the same on every try (a finding is then
  # reproducible, not luck); a run by name takes a new one each time, to explore.
  seed_args=(-seed="${TRACE_FUZZ_SEED:-20261202}")
else
  seed_args=()
  [[ " ${targets[*]} " == *" $target "* ]] || { echo "scripts/fuzz.sh: unknown target $target (targets: ${targets[*]})" >&2; exit 2; }
  selected=("$target")
fi
build=${TRACE_FUZZ_BUILD:-$root/build-fuzz}
source "$root/scripts/ccache-launcher.sh"
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRACE_FUZZ=ON \
  -DTRACE_BUILD_BENCH=OFF "${ccache_launcher[@]}" >/dev/null
cmake --build "$build" -j "$(nproc)" --target "${selected[@]/#/fuzz_}"
status=0
for t in "${selected[@]}"; do
  mkdir -p "$build/corpus/$t" "$build/artifacts/$t"
  echo "== fuzz $t for ${seconds}s"
  log="$build/artifacts/$t/last-run.log"
  # -rss_limit_mb: the targets' memory is flat (a zstd bomb must not be buffered whole).
  if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
      "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=20 \
      "${seed_args[@]}" -print_final_stats=1 -artifact_prefix="$build/artifacts/$t/" \
      "$build/corpus/$t" "$root/tests/fuzz/corpus/$t" >"$log" 2>&1; then
    status=1
    echo "scripts/fuzz.sh: $t failed; see $log and $build/artifacts/$t/" >&2
    tail -40 "$log" >&2
  fi
  grep -E "^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|cov: " "$log" | tail -4
done
exit $status
