#!/usr/bin/env bash
# Configures build/ (Release, warnings as errors: the configuration scripts/test.sh tests, so
# it reuses what this built) and builds TARGETs, or everything when none is named.
#   scripts/build.sh                                  every target (tools, tests, benchmarks)
#   scripts/build.sh trace-read trace-validate        only these (what the pipeline runs)
#   scripts/build.sh -DTRACE_BUILD_BENCH=OFF          arguments starting with -D go to cmake
# Parallelism: under make -jN (Makefile.pipeline's recipe is marked +) the build joins make's
# job server; otherwise it uses every core (nproc).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TRACE_BUILD_DIR:-$root/build}
cmake_args=() targets=()
for argument in "$@"; do
  if [[ $argument == -* ]]; then cmake_args+=("$argument"); else targets+=("$argument"); fi
done

source "$root/scripts/ccache-launcher.sh"
cmake_args+=("${ccache_launcher[@]}")

started=$SECONDS
echo "build.sh: configuring $build (Release)"
mkdir -p "$build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTRACE_WERROR=ON "${cmake_args[@]}" >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log" >&2; exit 1; }

# A job server from a parent make (its MAKEFLAGS carry --jobserver-auth): no -j of our own, or
# make warns "-jN forced in submake: resetting jobserver mode" and runs more jobs than asked.
parallel=(-j "$(nproc)")
[[ ${MAKEFLAGS:-} == *jobserver* ]] && parallel=()
what=${targets[*]:-everything}
echo "build.sh: building $what${parallel[*]:+ (${parallel[*]})}"
if [[ ${#targets[@]} -gt 0 ]]; then
  cmake --build "$build" "${parallel[@]}" --target "${targets[@]}"
else
  cmake --build "$build" "${parallel[@]}"
fi
echo "build.sh: built $what in $((SECONDS - started)) s"
