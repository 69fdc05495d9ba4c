#!/usr/bin/env bash
# Line-per-event sessions (Codex CLI rollouts, generated; Claude Code transcripts, the shared
# samples repeated with fresh session ids) normalised in memory flat in the input's size: a
# session's lines are held until it ends, never the file. Ten times the input may add at most
# an eighth of the peak bound (8 MiB; sanitizer runs raise TRACE_RSS_LIMIT_MIB), and every
# session comes out.
# usage: session-memory.sh BIN ROOT DATA [holding]
#   DATA: the shared sample data (the Claude Code part is skipped when it is absent).
#   holding: the negative control. Each run goes through a wrapper that first holds ten copies
#   of its input in memory, as a normaliser holding the whole file would: the check must fail.
set -uo pipefail
bin=$1 root=$2 shared=$3 mode=${4:-}
limit=${TRACE_RSS_LIMIT_MIB:-64}
# AddressSanitizer holds freed memory back (256 MiB by default), which would grow with the
# input: a small quarantine keeps what is measured the program's own memory.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4
growth_limit=$((limit / 8))
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi; }

peak() {  # FILE: peak RSS in MiB of normalising it, its exit code, and the records written
  python3 - "$bin/trace-normalize" "$1" "$mode" "$work/out" <<'PY'
import resource, subprocess, sys
tool, path, mode, out_path = sys.argv[1:5]
with open(out_path, "wb") as out:
    if mode == "holding":
        held = open(path, "rb").read() * 10
        code = subprocess.run([tool, "-q", "--threads", "0", "-"], input=held[: len(held) // 10], stdout=out).returncode
    else:
        code = subprocess.call([tool, "-q", "--threads", "0", path], stdout=out)
peak_mib = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) // 1024
records = 0
with open(out_path, "rb") as written:
    for block in iter(lambda: written.read(1 << 20), b""):
        records += block.count(b"\n")
print(peak_mib, code, records)
PY
}

sessions() {  # FILE: the sessions of a Claude Code file, counted without the normaliser:
  # distinct sessionId, a subagent's lines (agentId) a session of their own
  python3 -c "
import json, sys
keys = set()
for line in open(sys.argv[1], encoding='utf-8'):
    record = json.loads(line)
    if isinstance(record.get('sessionId'), str): keys.add((record['sessionId'], record.get('agentId')))
print(len(keys))" "$1"
}

compare() {  # NAME SMALL LARGE KEY
  local name=$1 small=$2 large=$3 key=$4
  read -r small_rss small_rc _ < <(peak "$small")
  read -r large_rss large_rc large_written < <(peak "$large")
  local large_mb=$(($(wc -c <"$large") / 1000000)) small_mb=$(($(wc -c <"$small") / 1000000))
  echo "$name: peak RSS $small_rss MiB over $small_mb MB, $large_rss MiB over $large_mb MB"
  check "$name: both runs succeed" '[[ $small_rc -eq 0 && $large_rc -eq 0 ]]'
  check "$name: ten times the input adds under $growth_limit MiB" '[[ $((large_rss - small_rss)) -lt $growth_limit ]]'
  check "$name: peak RSS under $limit MiB" '[[ $large_rss -lt $limit ]]'
  if [[ -n $key && $mode != holding ]]; then
    local expected
    expected=$(sessions "$large")
    check "$name: one record per session ($expected)" '[[ $large_written -eq $expected ]]'
  fi
}

"$root/bench/gen-codex-rollouts" --seed 11 --size 4M >"$work/codex-small.jsonl"
"$root/bench/gen-codex-rollouts" --seed 11 --size 40M >"$work/codex-large.jsonl"
compare "Codex CLI rollouts" "$work/codex-small.jsonl" "$work/codex-large.jsonl" ""

if compgen -G "$shared/claude-code/*.jsonl" >/dev/null; then
  "$root/bench/replicate-sessions" --size 4M --key sessionId "$shared"/claude-code/*.jsonl >"$work/claude-small.jsonl"
  "$root/bench/replicate-sessions" --size 40M --key sessionId "$shared"/claude-code/*.jsonl >"$work/claude-large.jsonl"
  compare "Claude Code transcripts" "$work/claude-small.jsonl" "$work/claude-large.jsonl" sessionId
else
  echo "skipped: Claude Code transcripts ($shared/claude-code is absent)"
fi

echo "failures: $failures"
[[ $failures -eq 0 ]]
