#!/usr/bin/env bash
# trace-dedup's sharded runs (tools/trace-dedup/README.md, "Sharded runs") against one pass:
# a generated input with planted exact copies, near copies (across shards too), eval overlaps,
# rewards and unreadable lines is cut into 1, 2 and 5 shards (uneven, one empty); for each
# option set, --partial per shard, --merge, --decisions per shard must give, concatenated,
# the one pass's output byte for byte, its --rejects entries (the one pass lists unreadable
# records first: its first pass finds them), and its --summary line. States or decisions made
# with other options, and decisions applied to another shard, must be refused. An input whose
# name is not UTF-8 must be found by --decisions.
# With MODE negative-control the states are merged in reverse order, so the comparison must
# fail (ctest expects this run to fail).
# usage: dedup-shards.sh BIN_DIR [normal|negative-control]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/dedup-common.sh" "$@"
make_input seed=16 records=600 near=0.35 eval=0.40 nowords=0.42 change=25 no_messages=yes
total=$(wc -l <input.ndjson)

# Shards: the cut points (line numbers after which a shard ends), uneven, one shard empty.
declare -A cuts=([1]="" [2]="97" [5]="200 200 333 590")
option_sets=("" "--annotate" "--keep best-reward" "--eval eval.jsonl --eval-field question"
             "--annotate --keep best-reward --eval eval.jsonl --threshold 0.6")
# Each step's ledger, from its --summary line: read = written + filtered + rejected.
check_ledger() {
  local step=$1 file=$2 counts
  counts=$(sed -n 's/.*summary: read \([0-9]*\), written \([0-9]*\), filtered \([0-9]*\), rejected \([0-9]*\).*/\1 \2 \3 \4/p' "$file")
  [[ -n $counts ]] || { fail "$step: no summary line"; return; }
  read -r r w f j <<<"$counts"
  ((r == w + f + j)) || fail "$step: read $r != written $w + filtered $f + rejected $j"
}

for n in 1 2 5; do
  rm -f shard*.ndjson
  start=1 i=1
  for cut in ${cuts[$n]} "$total"; do
    if ((cut >= start)); then sed -n "${start},${cut}p" input.ndjson >"shard$i.ndjson"; else : >"shard$i.ndjson"; fi
    start=$((cut + 1)) i=$((i + 1))
  done
  shards=()
  for ((i = 1; i <= n; i++)); do shards+=("shard$i.ndjson"); done
  for options in "${option_sets[@]}"; do
    # shellcheck disable=SC2086 # options are words
    "$dedup" $options --summary --rejects single.rejects "${shards[@]}" >single.ndjson 2>single.stderr
    states=()
    for shard in "${shards[@]}"; do
      "$dedup" $options --summary --partial "$shard" >"$shard.state" 2>partial.stderr
      check_ledger "--partial $shard" partial.stderr
      states+=("$shard.state")
    done
    if [[ $mode == negative-control ]]; then
      reversed=()
      for ((i = ${#states[@]} - 1; i >= 0; i--)); do reversed+=("${states[i]}"); done
      states=("${reversed[@]}")
    fi
    "$dedup" $options --summary --merge "${states[@]}" >decisions 2>merge.stderr
    check_ledger "--merge" merge.stderr
    : >sharded.ndjson
    : >sharded.rejects
    for shard in "${shards[@]}"; do
      "$dedup" $options --summary --decisions decisions --rejects "$shard.rejects" "$shard" >>sharded.ndjson 2>apply.stderr
      check_ledger "--decisions $shard" apply.stderr
      cat "$shard.rejects" >>sharded.rejects
    done
    what="$n shard(s), options '$options'"
    cmp -s single.ndjson sharded.ndjson || fail "$what: output differs from one pass"
    # The one pass's rejects: unreadable records (its first pass), then dropped ones (its second).
    { grep -v '"filtered":true' sharded.rejects || true; grep '"filtered":true' sharded.rejects || true; } >sharded.reordered
    cmp -s single.rejects sharded.reordered || fail "$what: rejects differ from one pass"
    grep -q 'duplicates' merge.stderr || fail "$what: --merge --summary printed no summary"
    cmp -s <(grep duplicates single.stderr) <(grep duplicates merge.stderr) || fail "$what: --merge's summary differs from one pass"
    echo "ok: $what: $(wc -l <sharded.ndjson) records written, $(grep -c . sharded.rejects || true) in rejects"
  done
done
[[ $mode == negative-control ]] && exit $((failures > 0 ? 1 : 0))

# Refusals: a state merged with another --threshold; decisions applied with other options; to
# another shard; to a shard that lost its last record; a state that is not one.
sed -n 1,100p input.ndjson >shard1.ndjson
sed -n 101,200p input.ndjson >shard2.ndjson
"$dedup" --partial shard1.ndjson >s1.state
"$dedup" --partial shard2.ndjson >s2.state
"$dedup" --merge s1.state s2.state >decisions
expect_refused() {
  local expected=$1
  shift
  if "$@" >/dev/null 2>refusal; then fail "accepted: $*"; return; fi
  grep -q -- "$expected" refusal || fail "$*: expected '$expected' in: $(cat refusal)"
}
expect_refused "--threshold 0.7 (this run: 0.8)" "$dedup" --threshold 0.8 --merge s1.state s2.state
expect_refused "--keep first (this run: best-reward)" "$dedup" --keep best-reward --decisions decisions shard1.ndjson
expect_refused "not the record part 2" "$dedup" --decisions decisions --part 2 shard1.ndjson
cp shard1.ndjson short.ndjson
"$dedup" --partial short.ndjson >short.state
"$dedup" --merge short.state >short.decisions
sed -i '$d' short.ndjson
expect_refused "input had" "$dedup" --decisions short.decisions short.ndjson
expect_refused "first line must be the header" "$dedup" --merge shard1.ndjson
expect_refused "no part of these decisions reads short.ndjson" "$dedup" --decisions decisions short.ndjson
echo "refusals checked"

# An input whose name is not UTF-8: the state and the decisions hold it with U+FFFD, and
# --decisions must still find it and give the one pass's output.
latin1=$'caf\xe9.ndjson'
cp shard1.ndjson "$latin1"
"$dedup" -q --annotate --partial "$latin1" >latin1.state
"$dedup" --annotate --merge latin1.state >latin1.decisions
"$dedup" -q --annotate "$latin1" >latin1.one-pass
if "$dedup" --annotate --decisions latin1.decisions "$latin1" >latin1.sharded 2>latin1.stderr; then
  cmp -s latin1.one-pass latin1.sharded || fail "an input named in Latin-1: output differs from one pass"
  grep -q '"dedup"' latin1.sharded || fail "an input named in Latin-1: no duplicates annotated (the check is vacuous)"
else
  fail "an input named in Latin-1: --decisions refused it: $(cat latin1.stderr)"
fi
echo "a name that is not UTF-8 checked"
[[ $failures -eq 0 ]] || { echo "$failures failures"; exit 1; }
