#!/usr/bin/env bash
# Generated dumps through trace-read: byte-for-byte pass-through, every container and
# compression giving the same records, exact sharding, --limit, and flat memory.
set -uo pipefail
bin=$1 scripts=$2
read=$bin/trace-read
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi; }

"$scripts/gen-traces" --seed 7 --records 600 >"$work/in.ndjson"
records=$(wc -l <"$work/in.ndjson")

"$read" "$work/in.ndjson" >"$work/out"
check "NDJSON passes through byte for byte" 'cmp -s "$work/in.ndjson" "$work/out"'

head -n 300 "$work/in.ndjson" | zstd -q -c >"$work/in.ndjson.zst"
tail -n +301 "$work/in.ndjson" | zstd -q -19 -c >>"$work/in.ndjson.zst"
"$read" "$work/in.ndjson.zst" >"$work/out"
check "concatenated zstd frames: same bytes" 'cmp -s "$work/in.ndjson" "$work/out"'
"$read" - <"$work/in.ndjson.zst" >"$work/out"
check "zstd on stdin, detected by content: same bytes" 'cmp -s "$work/in.ndjson" "$work/out"'
{ head -n 100 "$work/in.ndjson" | gzip -c; tail -n +101 "$work/in.ndjson" | gzip -c; } >"$work/in.gz"
"$read" "$work/in.gz" >"$work/out"
check "concatenated gzip members: same bytes" 'cmp -s "$work/in.ndjson" "$work/out"'

"$read" --compact "$work/in.ndjson" >"$work/compact"
{ echo '['; sed '$!s/$/,/' "$work/in.ndjson"; echo ']'; } >"$work/array.json"
"$read" "$work/array.json" >"$work/out"
check "a JSON array gives the same records, compacted" 'cmp -s "$work/compact" "$work/out"'
python3 -c "
import json, sys
for line in open(sys.argv[1]):
    print(json.dumps(json.loads(line), indent=2))" "$work/in.ndjson" >"$work/pretty.json"
"$read" "$work/pretty.json" >"$work/out"
check "pretty-printed concatenated documents give the same records" 'cmp -s "$work/compact" "$work/out"'

for n in 1 3 8; do
  : >"$work/shards"
  for ((i = 0; i < n; i++)); do "$read" --shard "$i/$n" "$work/in.ndjson" >>"$work/shards"; done
  check "--shard I/$n partitions the records exactly" \
    '[[ $(wc -l <"$work/shards") -eq $records ]] && cmp -s <(sort "$work/in.ndjson") <(sort "$work/shards")'
done
"$read" --shard 1/3 "$work/in.ndjson.zst" >"$work/a"
"$read" --shard 1/3 "$work/array.json" | "$read" --shard 1/3 >"$work/b"
check "shard membership does not depend on the container" 'cmp -s <("$read" --compact "$work/a") "$work/b"'

"$read" --limit 5 "$work/in.ndjson" >"$work/out"
check "--limit 5 writes the first five" 'cmp -s <(head -n 5 "$work/in.ndjson") "$work/out"'

# Flat memory: peak RSS reading 40 times more data stays far under 64 MiB.
python3 - "$read" "$work/in.ndjson" <<'PY' >"$work/rss"
import resource, subprocess, sys
tool, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
proc = subprocess.Popen([tool, "-o", "/dev/null"], stdin=subprocess.PIPE)
for _ in range(40):
    proc.stdin.write(data)
proc.stdin.close()
proc.wait()
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, proc.returncode)
PY
read -r rss_mib rc <"$work/rss"
echo "peak RSS over $((40 * $(wc -c <"$work/in.ndjson") / 1000000)) MB: ${rss_mib} MiB"
check "peak RSS under 64 MiB (sanitizers excepted: under 400 MiB)" '[[ $rc -eq 0 && $rss_mib -lt ${TRACE_RSS_LIMIT_MIB:-64} ]]'

echo "failures: $failures"
[[ $failures -eq 0 ]]
