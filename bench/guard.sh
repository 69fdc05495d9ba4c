#!/usr/bin/env bash
# The speed regression guard: each tool's instruction count on small generated inputs
# (valgrind's callgrind), against the counts recorded in bench/guard-baseline.txt. A count
# more than 10% above its baseline fails the run (exit 1), so a change cannot lose the
# measured speed unnoticed. Instruction counts do not depend on the machine's load, unlike
# timings, which makes the guard usable on a shared machine and in the tests (ctest runs it
# as bench/instruction-guard when valgrind is installed).
#   bench/guard.sh                     compare with the baseline
#   bench/guard.sh --update            record the current counts as the baseline (after a
#                                      change that is meant to cost more, or saves a lot)
#   bench/guard.sh --baseline FILE     compare with another baseline (the negative control)
#   bench/guard.sh --bin DIR           the tools to measure (default build/bin)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$root/build/bin baseline=$root/bench/guard-baseline.txt update=no tolerance=10
while [[ $# -gt 0 ]]; do
  case $1 in
    --update) update=yes; shift ;;
    --baseline) baseline=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    *) echo "usage: bench/guard.sh [--update] [--baseline FILE] [--bin DIR]" >&2; exit 2 ;;
  esac
done
command -v valgrind >/dev/null || { echo "guard: valgrind is not installed (scripts/install-deps.sh)" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Small, fixed inputs: the generated trace/v1 dump and generated Codex CLI rollouts.
"$root/scripts/gen-traces" --seed 42 --size 4M >"$work/dump.ndjson"
"$root/bench/gen-codex-rollouts" --seed 7 --size 2M >"$work/codex.ndjson"
vocab=$root/scripts/tiktoken/node_modules/tiktoken/encoders
dump=$work/dump.ndjson

# label | command (run with the tool's -q, output discarded)
commands=(
  "trace-read|trace-read -q $dump"
  "trace-validate --profile trace|trace-validate -q --profile trace $dump"
  "trace-normalize (trace/v1 pass-through)|trace-normalize -q $dump"
  "trace-normalize (Codex CLI rollouts)|trace-normalize -q $work/codex.ndjson"
  "trace-filter --min-reward 2 --model M|trace-filter -q --min-reward 2 --model gpt-4.1-mini $dump"
  "trace-pair --mode turn|trace-pair -q --mode turn $dump"
  "trace-stats -g model|trace-stats -q -g model --histogram none $dump"
  "trace-dedup|trace-dedup -q $dump"
  "trace-scrub|trace-scrub -q $dump"
)
[[ -d $vocab ]] && commands+=("trace-tokens|trace-tokens -q $dump")

instructions() {
  # shellcheck disable=SC2086  # the command line splits into words here
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin"/$1 >/dev/null 2>"$work/callgrind.txt" || {
    echo "guard: failed: $1" >&2; cat "$work/callgrind.txt" >&2; exit 1; }
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/callgrind.txt"
}

declare -A recorded=()
if [[ -f $baseline ]]; then
  while IFS=$'\t' read -r label count; do [[ -n $label && $label != \#* ]] && recorded[$label]=$count; done <"$baseline"
fi
failed=0
results=()
printf '%-42s %15s %15s %8s\n' "command" "baseline" "now" "change"
for entry in "${commands[@]}"; do
  label=${entry%%|*}
  count=$(instructions "${entry#*|}")
  results+=("$label"$'\t'"$count")
  before=${recorded[$label]:-}
  if [[ -z $before ]]; then
    printf '%-42s %15s %15s %8s\n' "$label" "-" "$count" "new"
    [[ $update == yes ]] || failed=1
    continue
  fi
  change=$(awk -v a="$before" -v b="$count" 'BEGIN { printf "%+.1f%%", (b - a) * 100 / a }')
  verdict=""
  if awk -v a="$before" -v b="$count" -v t="$tolerance" 'BEGIN { exit !(b > a * (1 + t / 100)) }'; then
    verdict="  more than ${tolerance}% above the baseline"
    failed=1
  fi
  printf '%-42s %15s %15s %8s%s\n' "$label" "$before" "$count" "$change" "$verdict"
done
if [[ $update == yes ]]; then
  {
    echo "# bench/guard.sh baseline: instructions (callgrind) per command on its generated input."
    echo "# Recorded at commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown); update with bench/guard.sh --update."
    printf '%s\n' "${results[@]}"
  } >"$baseline"
  echo "guard: baseline written to $baseline"
  exit 0
fi
if [[ $failed -ne 0 ]]; then
  echo "guard: a command runs more than ${tolerance}% more instructions than its baseline, or has none (bench/guard.sh --update records one)" >&2
  exit 1
fi
echo "guard: every command within ${tolerance}% of its baseline"
