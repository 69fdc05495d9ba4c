#!/usr/bin/env bash
# trace-dedup's memory per record (tools/trace-dedup/README.md): the peak RSS of 40,000 records
# minus that of 10,000, over 30,000, must stay under MAX bytes. Records of 60 words, all
# different, so every one holds a signature and its LSH buckets. With a third argument, a
# --memory-budget small enough that both runs spill their signatures and buckets to disk: what
# stays in memory per record is then the little the decisions need (its line, exact key, id),
# and the peak, set by the budget, stays about flat.
# usage: dedup-memory.sh BIN_DIR MAX_BYTES_PER_RECORD [MEMORY_BUDGET]
set -euo pipefail
bin=$1 max=$2 budget=${3:-}
options=()
[[ -n $budget ]] && options=(--memory-budget "$budget")
command -v /usr/bin/time >/dev/null || { echo "skip: no /usr/bin/time"; exit 77; }
# (nm's whole output is read: under pipefail, grep -q would stop early and nm's SIGPIPE fail the test)
if [[ $(nm "$bin/trace-dedup" 2>/dev/null) == *__asan_init* ]]; then echo "skip: sanitizer build (its allocator pads)"; exit 77; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import json, random, sys
r = random.Random(1)
with open(sys.argv[1] + "/40k.ndjson", "w") as f:
    for i in range(40000):
        text = " ".join("w%d" % r.randrange(50000) for _ in range(60))
        f.write(json.dumps({"session_id": "s%d" % i, "messages": [{"role": "user", "content": text}]}) + "\n")
PY
head -n 10000 "$work/40k.ndjson" >"$work/10k.ndjson"
peak() { /usr/bin/time -f %M -o "$work/rss" "$bin/trace-dedup" -q "${options[@]}" "$1" >/dev/null; echo $(($(cat "$work/rss") * 1024)); }
small=$(peak "$work/10k.ndjson")
large=$(peak "$work/40k.ndjson")
per_record=$(((large - small) / 30000))
echo "trace-dedup${budget:+ --memory-budget $budget}: $per_record bytes per record (peak RSS $((small / 1048576)) MiB at 10,000 records, $((large / 1048576)) MiB at 40,000)"
[[ $per_record -le $max ]] || { echo "more than $max bytes per record"; exit 1; }
