#!/usr/bin/env bash
# An Inspect AI .json log of about 100 MB (2,000 samples of 50 KB, "reductions" after
# "samples" as Inspect writes it), generated here: trace-read gives one record per sample and
# trace-read and trace-normalize stay under 64 MiB of peak RSS (memory flat in the log's size).
set -uo pipefail
bin=$1
samples=${2:-2000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi; }

python3 - "$work/log.json" "$samples" <<'PY'
import json, sys
path, count = sys.argv[1], int(sys.argv[2])
filler = "lorem [ipsum] {dolor} \"sit\" amet \\ " * 1400  # about 50 KB, brackets and escapes inside strings
with open(path, "w") as out:
    out.write('{\n  "version": 2,\n  "status": "success",\n')
    out.write('  "eval": ' + json.dumps({"eval_id": "E", "run_id": "R", "task": "t", "model": "m/x",
                                          "created": "2025-01-01T00:00:00+00:00"}, indent=2) + ',\n')
    out.write('  "plan": {"steps": []},\n  "results": {"scores": []},\n  "stats": {"model_usage": {}},\n  "samples": [\n')
    for i in range(count):
        sample = {"id": i + 1, "epoch": 1, "input": "q%d" % i, "target": "a",
                  "messages": [{"role": "user", "content": "q%d" % i}, {"role": "assistant", "content": filler}],
                  "scores": {"match": {"value": "C" if i % 2 else "I"}}}
        out.write(("    " if i == 0 else ",\n    ") + json.dumps(sample, indent=2).replace("\n", "\n    "))
    out.write('\n  ],\n  "reductions": [{"scorer": "match", "samples": [')
    out.write(", ".join('{"sample_id": %d, "value": %d}' % (i + 1, i % 2) for i in range(count)))
    out.write(']}]\n}')
PY
size_mb=$(( $(wc -c <"$work/log.json") / 1000000 ))

peak() {  # peak RSS in MiB of one command, and its exit code
  python3 -c "
import resource, subprocess, sys
rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, rc)" "$@"
}

"$bin/trace-read" "$work/log.json" >"$work/records" 2>"$work/err"
check "one record per sample ($samples)" '[[ $(wc -l <"$work/records") -eq $samples ]]'
check "each record holds its sample's reductions only" \
  '[[ $(head -n 1 "$work/records" | grep -o "sample_id" | wc -l) -eq 1 ]] && tail -n 1 "$work/records" | grep -q "\"sample_id\":$samples,"'
read -r rss rc < <(peak "$bin/trace-read" "$work/log.json")
echo "trace-read over $size_mb MB: peak RSS $rss MiB"
check "trace-read peak RSS under ${TRACE_RSS_LIMIT_MIB:-64} MiB" '[[ $rc -eq 0 && $rss -lt ${TRACE_RSS_LIMIT_MIB:-64} ]]'
read -r rss rc < <(peak "$bin/trace-normalize" "$work/log.json")
echo "trace-normalize over $size_mb MB: peak RSS $rss MiB"
check "trace-normalize peak RSS under ${TRACE_RSS_LIMIT_MIB:-64} MiB" '[[ $rc -eq 0 && $rss -lt ${TRACE_RSS_LIMIT_MIB:-64} ]]'
check "every sample normalised" '[[ $("$bin/trace-normalize" "$work/log.json" 2>/dev/null | wc -l) -eq $samples ]]'

echo "failures: $failures"
[[ $failures -eq 0 ]]
