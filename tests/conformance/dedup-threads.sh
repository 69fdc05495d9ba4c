#!/usr/bin/env bash
# trace-dedup --threads (tools/trace-dedup/README.md, "Threads"): records are observed and
# signed on worker threads and admitted in input order, so with 1, 2 and 3 threads the output,
# the --rejects file, the --summary line and a --partial state must equal the run on the
# reading thread (--threads 0) byte for byte, from a file and from standard input. The input
# spans many batches (3,000 small records and their planted exact and near copies, unreadable
# lines and records without words; batches close at 1,024 records), with lines over
# --max-record-size (rejected while reading, between batches handed back) spread through it.
# With MODE negative-control the threaded runs read the input with its first two batches'
# records swapped, as a reading thread admitting batches in the order they finish might: the
# comparison must fail (ctest expects this run to fail).
# usage: dedup-threads.sh BIN_DIR [normal|negative-control]
source "$(dirname "${BASH_SOURCE[0]}")/dedup-common.sh" "$@"
make_input seed=5 records=3000 near=0.35 eval=0.35 nowords=0.36 change=10 no_messages=no
python3 - <<'PY'
import json
lines = open("input.ndjson").read().splitlines()
for i in range(len(lines) - 1, 0, -97):  # lines over --max-record-size, spread through the input
    lines.insert(i, json.dumps({"session_id": "long", "messages": [{"role": "user", "content": "x " * 2000}]}))
open("original.ndjson", "w").write("\n".join(lines) + "\n")
# The first 1,024 records after the next 1,024: what admitting batch 2 before batch 1 would see.
open("swapped.ndjson", "w").write("\n".join(lines[1024:2048] + lines[:1024] + lines[2048:]) + "\n")
PY
threaded_input=original.ndjson
[[ $mode == negative-control ]] && threaded_input=swapped.ndjson
# run NAME OPTIONS...: NAME.ndjson, NAME.rejects, NAME.stderr
run() {
  local name=$1
  shift
  "$dedup" "$@" --max-record-size 2K --summary --rejects rejects >"$name.ndjson" 2>"$name.stderr"
  mv rejects "$name.rejects"
}
compare() {
  local what=$1 a=$2 b=$3
  grep -q duplicates "$a.stderr" || fail "$what: no summary"
  grep -q 'longer than' "$a.rejects" || fail "$what: no over-long line rejected"
  cmp -s "$a.ndjson" "$b.ndjson" || fail "$what: output differs"
  cmp -s "$a.rejects" "$b.rejects" || fail "$what: rejects differ"
  cmp -s "$a.stderr" "$b.stderr" || fail "$what: messages differ"
}
for options in "" "--annotate --keep best-reward"; do
  cp original.ndjson input.ndjson  # both runs read "input.ndjson": only the order may differ
  # shellcheck disable=SC2086 # options are words
  run one $options --threads 0 input.ndjson
  run stdin-one $options --threads 0 <input.ndjson
  # shellcheck disable=SC2086
  "$dedup" $options --threads 0 --partial --max-record-size 2K -q input.ndjson >one.state
  for threads in 1 2 3; do
    what="options '$options', --threads $threads"
    before=$failures
    cp "$threaded_input" input.ndjson
    run many $options --threads "$threads" input.ndjson
    run stdin-many $options --threads "$threads" <input.ndjson
    # shellcheck disable=SC2086
    "$dedup" $options --threads "$threads" --partial --max-record-size 2K -q input.ndjson >many.state
    compare "$what" one many
    compare "$what, standard input" stdin-one stdin-many
    [[ -s many.state ]] || fail "$what: no --partial state"
    cmp -s one.state many.state || fail "$what: --partial state differs"
    [[ $failures -eq $before ]] && echo "ok: $what: $(wc -l <many.ndjson) records written, $(grep -c . many.rejects || true) in rejects"
  done
done
[[ $failures -eq 0 ]] || { echo "$failures failures"; exit 1; }
