#!/usr/bin/env bash
# The distributed paths give the single-machine result: examples as a set of lines, statistics
# byte for byte. GNU parallel runs for real (several local jobs); the Slurm array's generated
# scripts are run task by task with the environment Slurm would set (no Slurm cluster here);
# the Hadoop Streaming and Spark recipes of docs/distributed.md are run with their runners'
# semantics (line splits, a sort before the reducer, an empty partition).
# usage: sharded-equals-single.sh BIN_DIR SCRIPTS_DIR
set -euo pipefail
bin=$1 scripts=$2
export BIN=$bin PATH="$bin:$PATH"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
"$scripts/gen-traces" --seed 5 --records 400 | zstd -q >"$work/dump.ndjson.zst"
"$scripts/make-v3-store" --profile env_rollout --sessions 4 --seed 5 "$work/store.db"
stats="--group-by model --compare reward"

# The single-machine reference.
trace-read -q "$work/dump.ndjson.zst" "$work/store.db" | trace-normalize -q | trace-validate -q --profile trace \
  | trace-filter -q --min-reward 1 | trace-stats -q --tee --state-out "$work/single.state" $stats | trace-pair -q >"$work/single.jsonl"
trace-stats -q --merge $stats --format markdown "$work/single.state" >"$work/single.md"
[[ $(wc -l <"$work/single.jsonl") -gt 100 ]] || fail "too few examples in the reference"

same() {  # same() NAME DATASET STATS
  cmp -s <(sort "$2") <(sort "$work/single.jsonl") || fail "$1: the examples differ from the single pass"
  cmp -s "$3" "$work/single.md" || { diff "$3" "$work/single.md" | head; fail "$1: the statistics differ from the single pass"; }
}

if command -v parallel >/dev/null; then
  "$scripts/run-parallel" -j 3 -N 5 --filter "--min-reward 1" "$work/parallel" "$work/dump.ndjson.zst" "$work/store.db" 2>/dev/null
  same "GNU parallel" "$work/parallel/dataset.jsonl" "$work/parallel/stats.md"
  grep -q "<svg" "$work/parallel/report.html" || fail "GNU parallel: no HTML report"
else
  echo "GNU parallel is not installed: its path was not run" >&2
fi

"$scripts/slurm-array.sh" -N 4 --filter "--min-reward 1" "$work/slurm" "$work/dump.ndjson.zst" "$work/store.db" 2>/dev/null
grep -q '^#SBATCH --array=0-3$' "$work/slurm/map.sh" || fail "Slurm: array directive"
grep -q '^#SBATCH --error=' "$work/slurm/map.sh" || fail "Slurm: diagnostics must not share the output file"
for i in 0 1 2 3; do SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_COUNT=4 bash "$work/slurm/map.sh"; done
bash "$work/slurm/reduce.sh"
same "Slurm array" "$work/slurm/dataset.jsonl" "$work/slurm/stats.md"

# Hadoop Streaming (docs/distributed.md): mappers over line splits, their output sorted, one reducer.
trace-read -q "$work/dump.ndjson.zst" "$work/store.db" | trace-normalize -q | trace-validate -q --profile trace >"$work/sessions.ndjson"
split -n l/3 "$work/sessions.ndjson" "$work/split."
for s in "$work"/split.*; do trace-filter -q --min-reward 1 --hadoop-counters <"$s" 2>/dev/null; done >"$work/filtered.ndjson"
: >"$work/mapped"
for s in "$work"/split.*; do trace-filter -q --min-reward 1 <"$s" | trace-stats -q --partial $stats >>"$work/mapped"; done
LC_ALL=C sort "$work/mapped" | trace-stats -q --merge --partial $stats | trace-stats -q --merge $stats --format markdown >"$work/hadoop.md"
cmp -s "$work/hadoop.md" "$work/single.md" || fail "Hadoop Streaming recipe: statistics differ"
cmp -s <(sort "$work/filtered.ndjson") <(trace-filter -q --min-reward 1 "$work/sessions.ndjson" | sort) || fail "Hadoop map-only filter"

# Spark RDD.pipe: one process per partition, an empty partition included, then coalesce(1).
split -n l/4 "$work/sessions.ndjson" "$work/part."
: >"$work/part.empty"
for p in "$work"/part.*; do trace-filter -q --min-reward 1 <"$p" | trace-stats -q --partial $stats; done \
  | trace-stats -q --merge $stats --format markdown >"$work/spark.md"
cmp -s "$work/spark.md" "$work/single.md" || fail "Spark recipe: statistics differ"
echo ok
