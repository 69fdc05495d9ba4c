#!/usr/bin/env bash
# Side-by-side timing of trace-read against cat, zstd -dc, jq, Miller and a Python json loop
# on the same generated dump (scripts/gen-traces, seed 42). Not a test: run it on a quiet
# machine. Appends a dated section to bench/RESULTS.md.
#   bench/run.sh                       1 GB dump in bench/data/ (made once, ~70 s)
#   bench/run.sh --size 200M --runs 1  quicker
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
size=1G runs=3 data=$root/bench/data
while [[ $# -gt 0 ]]; do
  case $1 in
    --size) size=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    *) echo "usage: bench/run.sh [--size 1G] [--runs 3] [--data DIR]" >&2; exit 2 ;;
  esac
done
"$root/scripts/install-deps.sh" --bench >/dev/null
[[ -x $root/build/bin/trace-read ]] || "$root/scripts/build.sh"
read=$root/build/bin/trace-read
mkdir -p "$data"
dump=$data/dump-$size.ndjson
[[ -s $dump ]] || "$root/scripts/gen-traces" --seed 42 --size "$size" >"$dump"
[[ -s $dump.zst ]] || { zstd -q -3 -T1 <"$dump" >"$dump.zst.tmp" && mv "$dump.zst.tmp" "$dump.zst"; }
bytes=$(stat -L -c %s "$dump")
records=$(wc -l <"$dump")

# best-of-N wall time and the peak RSS of that run; prints "seconds rss_mib"
measure() {
  local best="" rss=""
  for ((i = 0; i < $1; i++)); do
    shift_cmd=("${@:2}")
    /usr/bin/time -f "%e %M" -o "$data/time.txt" "${shift_cmd[@]}" >/dev/null 2>"$data/err.txt" || {
      echo "command failed: ${shift_cmd[*]}" >&2; cat "$data/err.txt" >&2; return 1; }
    read -r seconds kib <"$data/time.txt"
    if [[ -z $best ]] || awk "BEGIN{exit !($seconds < $best)}"; then best=$seconds rss=$((kib / 1024)); fi
  done
  echo "$best $rss"
}

cat >"$data/pyjson.py" <<'PY'
import json, sys
out = sys.stdout
for line in sys.stdin.buffer:
    out.write(json.dumps(json.loads(line), separators=(",", ":"), ensure_ascii=False) + "\n")
PY

rows=()
bench() {  # label, runs, command...
  local label=$1 n=$2; shift 2
  echo "  $label ..." >&2
  read -r seconds rss < <(measure "$n" "$@")
  rows+=("$label|$seconds|$rss|${*}")
}
cat "$dump" >/dev/null  # warm the page cache
bench "cat" "$runs" cat "$dump"
bench "zstd -dc (.zst)" "$runs" zstd -dc "$dump.zst"
bench "trace-read" "$runs" "$read" "$dump"
bench "trace-read (.zst)" "$runs" "$read" "$dump.zst"
bench "trace-read --shard 0/4" "$runs" "$read" --shard 0/4 "$dump"
bench "trace-read --compact" 1 "$read" --compact "$dump"
bench "jq -c ." 1 jq -c . "$dump"
bench "mlr --ijsonl --ojsonl cat" 1 mlr --ijsonl --ojsonl cat "$dump"
bench "python3 json loads/dumps" 1 bash -c "python3 $data/pyjson.py < $dump"

seconds_of() {  # the measured seconds of one label
  local r l s
  for r in "${rows[@]}"; do
    IFS='|' read -r l s _ _ <<<"$r"
    if [[ $l == "$1" ]]; then echo "$s"; fi
  done
}
read_seconds=$(seconds_of trace-read)
zstd_seconds=$(seconds_of "zstd -dc (.zst)")
zst_read_seconds=$(seconds_of "trace-read (.zst)")
{
  echo
  echo "## trace-read, $(date -u +%Y-%m-%d), commit $(git -C "$root" rev-parse --short HEAD)"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB."
  echo "Data: \`scripts/gen-traces --seed 42 --size $size\`: $bytes bytes, $records sessions;"
  echo "\`.zst\`: \`zstd -3\`, $(stat -c %s "$dump.zst") bytes. Best of $runs runs for the fast commands, warm cache, output to /dev/null."
  echo "Command: \`bench/run.sh --size $size --runs $runs\`."
  echo
  echo "| command | seconds | MB/s | peak RSS MiB | time / trace-read time |"
  echo "|---|---:|---:|---:|---:|"
  for r in "${rows[@]}"; do
    IFS='|' read -r label seconds rss _ <<<"$r"
    awk -v l="$label" -v s="$seconds" -v r="$rss" -v b="$bytes" -v t="$read_seconds" \
      'BEGIN { printf "| %s | %.2f | %.0f | %d | %.2f |\n", l, s, b / s / 1e6, r, s / t }'
  done
  echo
  awk -v t="$read_seconds" -v b="$bytes" \
    'BEGIN { printf "trace-read on plain NDJSON: %.0f MB/s (target 600).\n", b / t / 1e6 }'
  awk -v s="$zst_read_seconds" -v z="$zstd_seconds" \
    'BEGIN { printf "trace-read on .zst: %.2f x the throughput of zstd -dc alone (target 0.85).\n", z / s }'
} | tee -a "$root/bench/RESULTS.md"
