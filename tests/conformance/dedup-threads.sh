#!/usr/bin/env bash
# trace-dedup --threads (tools/trace-dedup/README.md, "Threads"): records are observed and
# signed on worker threads and admitted in input order, so with 1, 2 and 3 threads the output,
# the --rejects file, the --summary line and a --partial state must equal the run on the
# reading thread (--threads 0) byte for byte, from a file and from standard input. The input
# spans many batches (3,000 small records: batches close at 1,024 records), with planted exact
# and near copies, unreadable lines and lines over --max-record-size (rejected while reading,
# between batches handed back) spread through it.
# With MODE negative-control the threaded runs read the input with its first two batches'
# records swapped, as a reading thread admitting batches in the order they finish might: the
# comparison must fail (ctest expects this run to fail).
# usage: dedup-threads.sh BIN_DIR [normal|negative-control]
set -euo pipefail
bin=$(cd "$1" && pwd) mode=${2:-normal}
dedup=$bin/trace-dedup
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
python3 - <<'PY'
import json, random
r = random.Random(5)
vocab = ["w%d" % i for i in range(2000)]
docs, lines = [], []
for i in range(3000):
    kind = r.random()
    if docs and kind < 0.15:
        text = r.choice(docs).upper()  # an exact copy (case differs)
    elif docs and kind < 0.35:
        words = r.choice(docs).split()
        words[r.randrange(len(words))] = r.choice(vocab)  # a near copy
        text = " ".join(words)
    else:
        text = " ".join(r.choice(vocab) for _ in range(r.randrange(30, 80)))
    docs.append(text)
    lines.append(json.dumps({"session_id": "s%d" % i, "reward": r.choice([0, 0.5, 1]),
                             "messages": [{"role": "user", "content": text}]}))
    if r.random() < 0.01:
        lines.append('{"session_id": "broken", "messages": [')
    if r.random() < 0.01:
        lines.append(json.dumps({"session_id": "long", "messages": [{"role": "user", "content": "x " * 2000}]}))
open("original.ndjson", "w").write("\n".join(lines) + "\n")
# The first 1,024 records after the next 1,024: what admitting batch 2 before batch 1 would see.
open("swapped.ndjson", "w").write("\n".join(lines[1024:2048] + lines[:1024] + lines[2048:]) + "\n")
PY
threaded_input=original.ndjson
[[ $mode == negative-control ]] && threaded_input=swapped.ndjson
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# run NAME OPTIONS...: NAME.ndjson, NAME.rejects, NAME.stderr
run() {
  local name=$1
  shift
  "$dedup" "$@" --max-record-size 2K --summary --rejects rejects >"$name.ndjson" 2>"$name.stderr" || true
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
  "$dedup" $options --threads 0 --partial --max-record-size 2K -q input.ndjson >one.state 2>/dev/null || true
  for threads in 1 2 3; do
    what="options '$options', --threads $threads"
    before=$failures
    cp "$threaded_input" input.ndjson
    run many $options --threads "$threads" input.ndjson
    run stdin-many $options --threads "$threads" <input.ndjson
    # shellcheck disable=SC2086
    "$dedup" $options --threads "$threads" --partial --max-record-size 2K -q input.ndjson >many.state 2>/dev/null || true
    compare "$what" one many
    compare "$what, standard input" stdin-one stdin-many
    cmp -s one.state many.state || fail "$what: --partial state differs"
    [[ $failures -eq $before ]] && echo "ok: $what: $(wc -l <many.ndjson) records written, $(grep -c . many.rejects || true) in rejects"
  done
done
[[ $failures -eq 0 ]] || { echo "$failures failures"; exit 1; }
