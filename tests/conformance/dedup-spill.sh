#!/usr/bin/env bash
# trace-dedup past --memory-budget (tools/trace-dedup/README.md, "Memory"): with a budget so
# small that signatures and LSH buckets spill to disk at the first record, the output, the
# --rejects entries and the --summary line must equal the in-memory run's byte for byte, for
# several option sets, from files, from standard input, and in a sharded run's --merge. The
# input has planted exact and near copies (chains of near copies too), eval overlaps, rewards
# and unreadable lines.
# With MODE negative-control the spilled runs use --bands 16 instead of the set's bands (other
# LSH buckets, so other candidate pairs), so the comparison must fail (ctest expects this run
# to fail; every run still succeeds, so only the comparison can fail it).
# usage: dedup-spill.sh BIN_DIR [normal|negative-control]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/dedup-common.sh" "$@"
make_input seed=17 records=1500 near=0.40 eval=0.44 nowords=0.46 change=25,10,6 no_messages=no
spilled=(--memory-budget 1K)
option_sets=("" "--annotate" "--keep best-reward" "--eval eval.jsonl --eval-field question --threshold 0.6"
             "--annotate --keep best-reward --shingle 3 --permutations 128 --bands 32")
# run NAME OPTIONS...: NAME.ndjson, NAME.rejects, NAME.stderr (the --rejects file has one name,
# which the summary quotes).
run() {
  local name=$1
  shift
  "$dedup" "$@" --summary --rejects rejects >"$name.ndjson" 2>"$name.stderr"
  mv rejects "$name.rejects"
}
compare() {
  local what=$1 a=$2 b=$3
  grep -q duplicates "$a.stderr" || fail "$what: no summary"
  cmp -s "$a.ndjson" "$b.ndjson" || fail "$what: output differs when spilled"
  cmp -s "$a.rejects" "$b.rejects" || fail "$what: rejects differ when spilled"
  cmp -s "$a.stderr" "$b.stderr" || fail "$what: summary differs when spilled"
}
for options in "${option_sets[@]}"; do
  what="options '$options'"
  before=$failures
  disk_options=$options
  [[ $mode == negative-control ]] && disk_options="${options//--bands 32/} --bands 16"
  # shellcheck disable=SC2086 # options are words
  run memory $options input.ndjson
  # shellcheck disable=SC2086
  run disk $disk_options "${spilled[@]}" input.ndjson
  compare "$what" memory disk
  run stdin-memory $options <input.ndjson
  # shellcheck disable=SC2086
  run stdin-disk $disk_options "${spilled[@]}" <input.ndjson
  compare "$what, standard input" stdin-memory stdin-disk
  if [[ $mode == normal ]]; then  # (--merge refuses states made with other --bands)
    "$dedup" $options --partial input.ndjson >state
    "$dedup" $options --merge state >memory.decisions
    "$dedup" $options "${spilled[@]}" --merge state >disk.decisions
    cmp -s memory.decisions disk.decisions || fail "$what: --merge's decisions differ when spilled"
  fi
  [[ $failures -eq $before ]] && echo "ok: $what: $(wc -l <disk.ndjson) records written, $(grep -c . disk.rejects || true) in rejects"
done
[[ $failures -eq 0 ]] || { echo "$failures failures"; exit 1; }
