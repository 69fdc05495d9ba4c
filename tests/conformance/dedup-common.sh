# shellcheck shell=bash disable=SC2034 # (mode and dedup are for the scripts sourcing this)
# Sourced by dedup-shards.sh and dedup-spill.sh with their arguments
# (BIN_DIR [MODE]): sets bin, mode, dedup (the tool), failures and fail, and moves into a
# temporary folder removed on exit.
# make_input writes the input both compare runs on: input.ndjson and eval.jsonl.
set -euo pipefail
bin=$(cd "$1" && pwd) mode=${2:-normal}
dedup=$bin/trace-dedup
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# make_input seed=N records=N near=P eval=P nowords=P change=D[,D...] no_messages=yes|no
# Generated records, each a kind drawn below these cumulative odds: an exact copy of an earlier
# one (case and spacing differ, 0.15), a near copy (below `near`; len(words) // D words changed,
# D drawn from `change` when it lists several), a record quoting 14 words of an eval item
# (below `eval`), one without words (below `nowords`: compared exactly only), else new words.
# 80% have a reward; about 2% are followed by an unreadable line and, with no_messages=yes,
# 2% by a record without messages. The same arguments give the same bytes.
make_input() {
  python3 - "$@" <<'PY'
import json, random, sys
arg = dict(a.split("=", 1) for a in sys.argv[1:])
r = random.Random(int(arg["seed"]))
near, near_eval, nowords = float(arg["near"]), float(arg["eval"]), float(arg["nowords"])
change = [int(d) for d in arg["change"].split(",")]
vocab = ["w%d" % i for i in range(3000)]
evals = [" ".join(r.choice(vocab) for _ in range(30)) for _ in range(40)]
docs, lines = [], []
for i in range(int(arg["records"])):
    kind = r.random()
    if docs and kind < 0.15:
        text = "  " + r.choice(docs).upper()
    elif docs and kind < near:
        words = r.choice(docs).split()
        # (one divisor draws nothing, so each input stays what it was before the choice existed)
        divisor = change[0] if len(change) == 1 else r.choice(change)
        for _ in range(max(1, len(words) // divisor)):
            words[r.randrange(len(words))] = r.choice(vocab)
        text = " ".join(words)
    elif kind < near_eval:
        quote = r.choice(evals).split()[:14]
        text = " ".join(r.choice(vocab) for _ in range(20)) + " " + " ".join(quote) + " end"
    elif kind < nowords:
        text = "!!! ???"
    else:
        text = " ".join(r.choice(vocab) for _ in range(r.randrange(40, 120)))
    docs.append(text)
    record = {"session_id": "s%d" % i, "messages": [{"role": "user", "content": text}]}
    if r.random() < 0.8:
        record["reward"] = r.choice([0, 0.25, 0.5, 1, 2])
    lines.append(json.dumps(record))
    if r.random() < 0.02:
        lines.append('{"session_id": "broken", "messages": [')
    if arg["no_messages"] == "yes" and r.random() < 0.02:
        lines.append('{"session_id": "no-messages"}')
open("input.ndjson", "w").write("\n".join(lines) + "\n")
open("eval.jsonl", "w").write("".join(json.dumps({"question": q}) + "\n" for q in evals))
PY
}
