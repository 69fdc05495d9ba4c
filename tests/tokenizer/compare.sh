#!/usr/bin/env bash
# Token ids of libstream's tokenizer against tiktoken's (npm, run by node), line by line, with
# special tokens as text (encode_ordinary) and recognised (encode(text, "all")).
#   compare.sh ENCODE_CORPUS VOCAB_DIR ENCODING generated|data|wrong-rank DATA_DIR
# wrong-rank (the negative control) swaps two ranks in a copy of the rank file: it must fail.
# Skips (77) when node, the npm package or (for data) shared/data is absent.
set -uo pipefail
driver=$1 vocab=$2 encoding=$3 corpus=$4 data=$5
here=$(cd "$(dirname "$0")" && pwd)
module=$(dirname "$(dirname "$vocab")")  # .../node_modules/tiktoken/encoders -> .../node_modules
command -v node >/dev/null || { echo "skip: node is absent"; exit 77; }
[[ -f $vocab/$encoding.json && -d $module/tiktoken ]] || { echo "skip: no tiktoken package at $vocab (scripts/install-deps.sh)"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
case $corpus in
  generated|wrong-rank) python3 "$here/make_corpus.py" generated >"$work/corpus" ;;
  data)
    [[ -d $data ]] || { echo "skip: shared/data is absent"; exit 77; }
    python3 "$here/make_corpus.py" data "$data" >"$work/corpus" ;;
esac
if [[ $corpus == wrong-rank ]]; then
  # Swap the ranks of " the" and " of" (two common tokens): every text using them must differ.
  python3 - "$vocab/$encoding.json" "$work/$encoding.json" <<'PY'
import json, sys, base64
source, target = sys.argv[1:]
document = json.load(open(source))
tokens = document["bpe_ranks"].split(" ")
a, b = tokens.index(base64.b64encode(b" the").decode()), tokens.index(base64.b64encode(b" of").decode())
tokens[a], tokens[b] = tokens[b], tokens[a]
document["bpe_ranks"] = " ".join(tokens)
json.dump(document, open(target, "w"))
PY
  vocab=$work
fi
status=0
for mode in ordinary all; do
  "$driver" "$encoding" "$vocab" "$mode" <"$work/corpus" >"$work/ours.$mode" || { echo "driver failed ($mode)"; exit 1; }
  node "$here/reference.mjs" "$module" "$encoding" "$mode" <"$work/corpus" >"$work/reference.$mode" || { echo "node failed ($mode)"; exit 1; }
  lines=$(wc -l <"$work/corpus")
  if cmp -s "$work/ours.$mode" "$work/reference.$mode"; then
    echo "ok: $lines texts, $encoding, special tokens $mode: identical token ids"
  else
    status=1
    differing=$(paste -d'\t' "$work/ours.$mode" "$work/reference.$mode" | awk -F'\t' '$1 != $2' | wc -l)
    echo "MISMATCH: $differing of $lines texts, $encoding, special tokens $mode; first ones:"
    paste -d'\t' "$work/corpus" "$work/ours.$mode" "$work/reference.$mode" | awk -F'\t' '$2 != $3' | head -5 |
      while IFS=$'\t' read -r text ours theirs; do
        echo "  text: ${text:0:200}"; echo "  ours: ${ours:0:200}"; echo "  tiktoken: ${theirs:0:200}"
      done
  fi
done
exit $status
