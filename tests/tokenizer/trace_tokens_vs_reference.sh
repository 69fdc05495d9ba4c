#!/usr/bin/env bash
# trace-tokens' per-message counts equal tiktoken's encode(text).length (per_message.mjs) on
# generated sessions, the golden chat examples and, when present, the cookbook's toy file.
# The negative control (third argument "wrong-vocab") counts with a rank file whose ranks of
# " the" and " of" are swapped and merged differently: it must fail.
#   trace_tokens_vs_reference.sh BIN_DIR VOCAB_DIR [wrong-vocab] (DATA_DIR from $TRACE_SHARED_DATA)
set -uo pipefail
bin=$1 vocab=$2 mode=${3:-}
here=$(cd "$(dirname "$0")" && pwd) root=$(cd "$(dirname "$0")/../.." && pwd)
module=$(dirname "$(dirname "$vocab")")
command -v node >/dev/null || { echo "skip: node is absent"; exit 77; }
[[ -f $vocab/o200k_base.json && -d $module/tiktoken ]] || { echo "skip: no tiktoken package at $vocab"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$root/scripts/gen-traces" --seed 7 --records 300 >"$work/input.ndjson"
cat "$root/tests/cli/trace-tokens/chat-examples/stdin.jsonl" >>"$work/input.ndjson"
data=${TRACE_SHARED_DATA:-}
[[ -f $data/openai-cookbook/toy_chat_fine_tuning.jsonl ]] && cat "$data/openai-cookbook/toy_chat_fine_tuning.jsonl" >>"$work/input.ndjson"
if [[ $mode == wrong-vocab ]]; then
  # Make " the" merge into " t" + "he": drop its rank line and every longer token holding it.
  python3 - "$vocab/o200k_base.json" "$work/o200k_base.json" <<'PY'
import json, sys, base64
source, target = sys.argv[1:]
document = json.load(open(source))
tokens = document["bpe_ranks"].split(" ")
the = base64.b64encode(b" the").decode()
tokens[tokens.index(the)] = base64.b64encode(b"\x00\x01\x02 not a token").decode()
document["bpe_ranks"] = " ".join(tokens)
json.dump(document, open(target, "w"))
PY
  vocab=$work
fi
for encoding in o200k_base cl100k_base; do
  [[ $mode == wrong-vocab && $encoding == cl100k_base ]] && continue
  "$bin/trace-tokens" -q --encoding "$encoding" --vocab-dir "$vocab" "$work/input.ndjson" >"$work/out.$encoding" ||
    { echo "trace-tokens failed"; exit 1; }
  node "$here/per_message.mjs" "$module" "$encoding" <"$work/out.$encoding" || exit 1
done
