#!/usr/bin/env bash
# Token counting speed, one core: libstream's tokenizer (bench_tokens) against the reference,
# tiktoken from npm run by node (bench/tokens_reference.mjs), on the message text (contents and
# tool-call arguments) of a generated dump (scripts/gen-traces, seed 42); then pathological
# lines of one repeated character. Prints what bench/RESULTS.md records. Not a test.
#   bench/tokens.sh [--size 100M] [--build DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
size=100M build=$root/build
while [[ $# -gt 0 ]]; do
  case $1 in
    --size) size=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    *) echo "usage: bench/tokens.sh [--size 100M] [--build DIR]" >&2; exit 2 ;;
  esac
done
"$root/scripts/install-deps.sh" >/dev/null
vocab=$root/scripts/tiktoken/node_modules/tiktoken/encoders modules=$root/scripts/tiktoken/node_modules
[[ -x $build/bench/bench_tokens ]] || {
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTRACE_BUILD_BENCH=ON >/dev/null
  cmake --build "$build" -j2 --target bench_tokens >/dev/null
}
data=$root/bench/data
mkdir -p "$data"
corpus=$data/message-text-$size.jsonl
if [[ ! -s $corpus ]]; then
  "$root/scripts/gen-traces" --seed 42 --size "$size" | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        record = json.loads(line)
    except ValueError:
        continue
    for message in record.get("messages") or []:
        if isinstance(message.get("content"), str) and message["content"]:
            print(json.dumps(message["content"]))
        for call in message.get("tool_calls") or []:
            arguments = (call.get("function") or {}).get("arguments")
            if isinstance(arguments, str):
                print(json.dumps(arguments))
' >"$corpus.tmp"
  mv "$corpus.tmp" "$corpus"
fi
echo "corpus: $corpus ($(wc -l <"$corpus") texts)"
for encoding in o200k_base cl100k_base; do
  echo "tracemill $encoding: $("$build/bench/bench_tokens" "$encoding" "$vocab" "$corpus")"
  echo "tiktoken (node) $encoding: $(node "$root/bench/tokens_reference.mjs" "$modules" "$encoding" "$corpus")"
done
# One line of one repeated character: a single piece of the split, the merge's worst case.
for length in 1000000 10000000; do
  for char in a ' ' '7' '!'; do
    python3 -c "import json,sys; print(json.dumps(sys.argv[1] * int(sys.argv[2])))" "$char" "$length" >"$data/run.jsonl"
    echo "tracemill one line of $length x '$char': $("$build/bench/bench_tokens" o200k_base "$vocab" "$data/run.jsonl")"
  done
done
for length in 25000 50000 100000; do
  python3 -c "import json,sys; print(json.dumps('a' * int(sys.argv[1])))" "$length" >"$data/run.jsonl"
  echo "tiktoken (node) one line of $length x 'a': $(timeout 600 node "$root/bench/tokens_reference.mjs" "$modules" o200k_base "$data/run.jsonl" || echo "over 600 s")"
done
rm -f "$data/run.jsonl"
