#!/usr/bin/env bash
# Tools that work on records in worker threads (--threads; libstream/batched_records.hpp:
# trace-validate, trace-scrub, trace-tokens, trace-filter, trace-pair's example modes,
# trace-normalize, and trace-dedup's first pass and --partial)
# write the same records, rejects, counts and messages with 1, 2 and 3 threads as on the
# reading thread alone (--threads 0), byte for byte, from a file and from standard input. The
# input spans about ten batches: generated trace/v1 sessions (scripts/gen-traces: three runs
# per task sharing their start, some cut in half by a crashed writer), the golden cases'
# chat, preference and session records with findings (invalid UTF-8 too) and records with
# secrets, repeated, trace-normalize's golden inputs of every dialect in blocks now and then,
# and lines over --max-record-size (rejected as they are read, between
# batches handed back) spread through it.
# With MODE negative-control the threaded runs read the input with its first two batches'
# worth of lines swapped, as a tool writing batches in the order they finish might: the
# comparison must fail (ctest expects this run to fail).
# usage: threads-same-output.sh BIN_DIR SCRIPTS_DIR [normal|negative-control]
set -euo pipefail
bin=$(cd "$1" && pwd) scripts=$(cd "$2" && pwd) mode=${3:-normal}
cases=$(cd "$(dirname "${BASH_SOURCE[0]}")/../cli" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$scripts/gen-traces" --seed 9 --size 9M --broken-every 37 --rollouts 3 >sessions.ndjson
cat "$cases"/trace-validate/{openai-chat-errors-with-paths,token-limit-warning,json-profile-invalid-utf8,trace-profile-silent-loss,openai-preference-errors,trl-dpo-errors,trl-kto-errors}/stdin.ndjson \
  "$cases"/trace-scrub/{planted-secrets,escapes-decoded-before-scanning,rejects-invalid-json}/stdin.ndjson \
  "$cases"/trace-pair/window-hand-computed/stdin.ndjson >chat.ndjson
cat "$cases"/trace-normalize/*/stdin.ndjson >dialects.ndjson
python3 - <<'PY'
import json
sessions = open("sessions.ndjson", "rb").read().decode("utf-8", "surrogateescape").splitlines()
chat = open("chat.ndjson", "rb").read().decode("utf-8", "surrogateescape").splitlines()
# trace-normalize's golden inputs in one block (line-per-event sessions stay whole), now and then
dialects = open("dialects.ndjson", "rb").read().decode("utf-8", "surrogateescape").splitlines()
lines = []
for i, session in enumerate(sessions):
    lines.append(session)
    lines.append(chat[i % len(chat)])
    if i % 150 == 75:
        lines.extend(dialects)
    if i % 41 == 0:
        lines.append(json.dumps({"messages": [{"role": "user", "content": "x" * 300000}]}))
def write(name, rows):
    open(name, "wb").write(("\n".join(rows) + "\n").encode("utf-8", "surrogateescape"))
write("original.ndjson", lines)
# Lines up to the second batch boundary (about 1 MiB each) moved after the next ones.
size, cut = 0, []
for n, line in enumerate(lines):
    size += len(line) + 1
    if size >= (1 << 20) and len(cut) < 2:
        cut.append(n + 1)
        size = 0
a, b = cut
write("swapped.ndjson", lines[a:b] + lines[:a] + lines[b:])
PY
threaded_input=original.ndjson
[[ $mode == negative-control ]] && threaded_input=swapped.ndjson
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
# run NAME TOOL OPTIONS...: NAME.out, NAME.rejects, NAME.stderr (exit status ignored: --strict)
run() {
  local name=$1 tool=$2
  shift 2
  "$bin/$tool" "$@" --max-record-size 256K --summary --rejects rejects >"$name.out" 2>"$name.stderr" || true
  mv rejects "$name.rejects"
  if [[ -f meta ]]; then cat meta >>"$name.out" && rm meta; fi  # trace-pair --metadata-out: compared too
}
compare() {
  local what=$1 a=$2 b=$3
  [[ -s $a.out || $what == *--check* || $what == *--dry-run* ]] || fail "$what: no output"  # (a check writes nothing)
  grep -q 'longer than' "$a.rejects" || fail "$what: no over-long line rejected"
  cmp -s "$a.out" "$b.out" || fail "$what: output differs"
  cmp -s "$a.rejects" "$b.rejects" || fail "$what: rejects differ"
  cmp -s "$a.stderr" "$b.stderr" || fail "$what: messages differ"
}
runs=("trace-validate --profile json" "trace-validate --profile trace --strict"
      "trace-validate --profile openai-chat --token-estimate --stats" "trace-validate --profile openai-preference --token-estimate"
      "trace-validate --profile trl-dpo" "trace-validate --profile trl-kto" "trace-scrub --report" "trace-scrub --check"
      "trace-tokens --encoding o200k_base" "trace-tokens --totals"
      "trace-dedup" "trace-dedup --annotate --keep best-reward --threshold 0.5" "trace-dedup --partial"
      "trace-filter --min-reward 1" "trace-filter --where reward>=0.5 --offset 20 --limit 300"
      "trace-filter --shuffle --seed 3 --offset 5 --limit 100" "trace-filter --best-of 1 --group-by task_id"
      "trace-filter --sample 0.5 --dry-run"
      "trace-pair --mode turn --token-estimate --max-tokens 2000" "trace-pair --mode trajectory --metadata-out meta"
      "trace-pair --mode pairs --tool-format hf" "trace-pair --mode window --window 2 --min-window-reward 2" "trace-pair --mode pairs --dedup"
      "trace-normalize" "trace-normalize --dialect sft")
for options in "${runs[@]}"; do
  cp original.ndjson input.ndjson  # every run reads "input.ndjson": only the order may differ
  # shellcheck disable=SC2086 # options are words
  run one $options --threads 0 input.ndjson
  # shellcheck disable=SC2086
  run stdin-one $options --threads 0 <input.ndjson
  for threads in 1 2 3; do
    what="$options --threads $threads"
    before=$failures
    cp "$threaded_input" input.ndjson
    # shellcheck disable=SC2086
    run many $options --threads "$threads" input.ndjson
    # shellcheck disable=SC2086
    run stdin-many $options --threads "$threads" <input.ndjson
    compare "$what" one many
    compare "$what, standard input" stdin-one stdin-many
    [[ $failures -eq $before ]] && echo "ok: $what: $(wc -l <many.out) records written, $(grep -c . many.rejects || true) in rejects"
  done
done
# trace-filter --limit stops reading where one thread would have: its records are the first
# of the unlimited run, and the sessions read ahead of the stop are not in the ledger. (The
# negative control skips one session: the first comparison must fail.)
skip=()
[[ $mode == negative-control ]] && skip=(--offset 1)
for threads in 0 2; do
  run all trace-filter --threads "$threads" original.ndjson
  run limited trace-filter "${skip[@]}" --limit 50 --threads "$threads" original.ndjson
  head -n 50 all.out | cmp -s - limited.out || fail "--limit 50 --threads $threads: not the first 50 sessions"
  ledger=$(grep -o 'read [0-9]*, written [0-9]*, filtered [0-9]*, rejected [0-9]*' limited.stderr)
  read -r read written filtered rejected <<<"$(echo "$ledger" | tr -dc '0-9 ')"
  [[ $written -eq 50 && $read -eq $((written + filtered + rejected)) ]] || fail "--limit 50 --threads $threads: ledger '$ledger'"
  # Read as far as the 50th session and no further: 50 sessions, the records rejected before
  # it, and the over-long lines (rejected while reading) up to five batches beyond it.
  last=$(grep -n -m 1 -F -x -f <(sed -n 50p limited.out) original.ndjson | cut -d: -f1)
  [[ $read -ge $last && $read -lt $((last + 5 * 1024)) && $filtered -eq 0 ]] ||
    fail "--limit 50 --threads $threads: read $read records, the 50th session is line $last"
done
[[ $failures -eq 0 ]] && echo "ok: trace-filter --limit 50 reads as far as its 50th session"
[[ $failures -eq 0 ]] || { echo "$failures failures"; exit 1; }
