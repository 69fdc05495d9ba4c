#!/usr/bin/env bash
# Writes (and with --submit, submits) a Slurm job array that runs the dataset pipeline on shard
# SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT (trace-read --shard: a stable hash of
# session_id, a pure function of the task index and count), then a reduce job that runs after
# every task succeeded (afterok): examples concatenated in shard order, statistics merged.
#
#   scripts/slurm-array.sh [-N SHARDS] [--max-running K] [--filter "ARGS"] [--pair "ARGS"]
#                          [--stats "ARGS"] [--submit] OUTDIR INPUT...
#
# OUTDIR/map.sh and OUTDIR/reduce.sh are plain bash: each task's diagnostics go to its own
# .err file (--error), never into the data. Without --submit they are only written, so they can
# be read, or run by hand: SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_COUNT=8 bash OUTDIR/map.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$root/build/bin}
shards=8 max_running="" submit=0 filter_args="" pair_args="" stats_args="--group-by model --compare reward"
while [[ $# -gt 0 ]]; do
  case $1 in
    -N) shards=$2; shift 2 ;;
    --max-running) max_running=%$2; shift 2 ;;
    --filter) filter_args=$2; shift 2 ;;
    --pair) pair_args=$2; shift 2 ;;
    --stats) stats_args=$2; shift 2 ;;
    --submit) submit=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "slurm-array: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[[ $# -ge 2 ]] || { echo "usage: scripts/slurm-array.sh [options] OUTDIR INPUT..." >&2; exit 2; }
out=$(mkdir -p "$1" && cd "$1" && pwd); shift
inputs=""
for input in "$@"; do inputs+=" $(printf '%q' "$(cd "$(dirname "$input")" && pwd)/$(basename "$input")")"; done
mkdir -p "$out/parts" "$out/logs"
cat >"$out/map.sh" <<MAP
#!/usr/bin/env bash
#SBATCH --job-name=tracemill-map
#SBATCH --array=0-$((shards - 1))$max_running
#SBATCH --output=$out/logs/map_%a.out
#SBATCH --error=$out/logs/map_%a.err
set -euo pipefail
: "\${SLURM_ARRAY_TASK_ID:?run as a Slurm array task}" "\${SLURM_ARRAY_TASK_COUNT:=$shards}"
i=\$SLURM_ARRAY_TASK_ID n=\$SLURM_ARRAY_TASK_COUNT
"$bin/trace-read" -q --shard "\$i/\$n"$inputs \\
  | "$bin/trace-normalize" -q | "$bin/trace-validate" -q --profile trace | "$bin/trace-filter" -q $filter_args \\
  | "$bin/trace-stats" -q --tee --state-out "$out/parts/stats.\$i.json" $stats_args \\
  | "$bin/trace-pair" -q $pair_args -o "$out/parts/examples.\$i.jsonl"
MAP
cat >"$out/reduce.sh" <<REDUCE
#!/usr/bin/env bash
#SBATCH --job-name=tracemill-reduce
#SBATCH --output=$out/logs/reduce.out
#SBATCH --error=$out/logs/reduce.err
set -euo pipefail
for i in \$(seq 0 $((shards - 1))); do cat "$out/parts/examples.\$i.jsonl"; done > "$out/dataset.jsonl.tmp"
mv "$out/dataset.jsonl.tmp" "$out/dataset.jsonl"
"$bin/trace-stats" -q --merge $stats_args --format markdown -o "$out/stats.md" "$out"/parts/stats.*.json
"$bin/trace-stats" -q --merge $stats_args --report "$out/report.html" -o /dev/null "$out"/parts/stats.*.json
REDUCE
chmod +x "$out/map.sh" "$out/reduce.sh"
if [[ $submit == 1 ]]; then
  job=$(sbatch --parsable "$out/map.sh")
  sbatch --dependency=afterok:"${job%%;*}" "$out/reduce.sh"
  echo "slurm-array: submitted array job $job ($shards tasks) and its reduce job" >&2
else
  echo "slurm-array: wrote $out/map.sh ($shards tasks) and $out/reduce.sh; submit with --submit, or:" >&2
  echo "  job=\$(sbatch --parsable $out/map.sh) && sbatch --dependency=afterok:\$job $out/reduce.sh" >&2
fi
