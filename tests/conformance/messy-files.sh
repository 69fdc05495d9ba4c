#!/usr/bin/env bash
# shared/data/misc-messy through trace-read, each with its documented outcome
# (tools/trace-read/README.md, "Messy inputs").
set -uo pipefail
bin=$1 data=$2/misc-messy
[[ -d $data ]] || { echo "skip: $data is absent"; exit 77; }
read=$bin/trace-read
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi; }

"$read" "$data/verifiers__lfs-pointer__results.jsonl" >"$work/out" 2>"$work/err"; rc=$?
check "LFS pointer: exit 1, diagnosed at line 1, no output" \
  '[[ $rc -eq 1 && ! -s $work/out ]] && grep -q "results.jsonl:1: this is a Git LFS pointer" "$work/err"'

"$read" "$data/ccusage__test-data.jsonl" >"$work/out" 2>"$work/err"; rc=$?
check "pretty-printed .jsonl: read as one document, with a warning" \
  '[[ $rc -eq 0 && $(wc -l <"$work/out") -eq 1 ]] && grep -q "warning: not NDJSON" "$work/err"'
check "pretty-printed .jsonl: same data as python json" \
  'python3 -c "import json,sys; a=json.load(open(sys.argv[1])); b=json.loads(open(sys.argv[2]).read()); sys.exit(a!=b)" "$data/ccusage__test-data.jsonl" "$work/out"'
"$read" --format ndjson --rejects "$work/rej" "$data/ccusage__test-data.jsonl" >"$work/out" 2>"$work/err"; rc=$?
lines=$(grep -c . "$data/ccusage__test-data.jsonl")
check "pretty-printed .jsonl forced as NDJSON: every non-blank line rejected with file:line" \
  '[[ $rc -eq 0 && ! -s $work/out && $(wc -l <"$work/rej") -eq $lines ]] && grep -q "ccusage__test-data.jsonl:1: invalid JSON" "$work/err"'

"$read" "$data/simdjson__amazon_cellphones.ndjson" >"$work/out" 2>"$work/err"; rc=$?
check "real NDJSON of arrays: byte for byte" 'cmp -s "$data/simdjson__amazon_cellphones.ndjson" "$work/out" && [[ $rc -eq 0 ]]'

for blns in blns__blns.json blns__blns.base64.json; do
  "$read" "$data/$blns" >"$work/out" 2>"$work/err"; rc=$?
  check "$blns: array streamed element by element, values equal python's" \
    'python3 -c "import json,sys; a=json.load(open(sys.argv[1])); b=[json.loads(l) for l in open(sys.argv[2])]; sys.exit(a!=b)" "$data/$blns" "$work/out" && [[ $rc -eq 0 ]]'
done

"$read" "$data/simdjson__twitter.json" >"$work/out" 2>"$work/err"; rc=$?
check "pretty-printed document: one compact record equal to python's" \
  '[[ $rc -eq 0 && $(wc -l <"$work/out") -eq 1 ]] && python3 -c "import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.loads(open(sys.argv[2]).read()))" "$data/simdjson__twitter.json" "$work/out"'

"$read" --rejects "$work/rej" "$data/utf8_stress_test.txt" >"$work/out" 2>"$work/err"; rc=$?
nonblank=$(python3 -c "import sys; print(sum(1 for l in open(sys.argv[1], 'rb').read().split(b'\\n') if l.strip(b' \\t\\r')))" "$data/utf8_stress_test.txt")
check "invalid UTF-8 text: no output, every non-blank line rejected" \
  '[[ $rc -eq 0 && ! -s $work/out && $(wc -l <"$work/rej") -eq $nonblank ]]'
check "rejects of invalid UTF-8 are valid JSON with the exact bytes in raw_base64" \
  '"$read" --format ndjson --on-error fail "$work/rej" >/dev/null && python3 -c "
import json, base64, sys
lines = [l for l in open(sys.argv[1], \"rb\").read().split(b\"\\n\") if l.strip()]
rejects = [json.loads(l) for l in open(sys.argv[2])]
assert len(lines) == len(rejects)
for line, r in zip(lines, rejects):
    raw = base64.b64decode(r[\"raw_base64\"]) if \"raw_base64\" in r else r[\"raw\"].encode()
    assert raw == line.rstrip(b\"\\r\"), (r[\"line\"], raw, line)
" "$data/utf8_stress_test.txt" "$work/rej"'

echo "failures: $failures"
[[ $failures -eq 0 ]]
