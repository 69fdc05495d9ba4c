#!/usr/bin/env bash
# Side-by-side timings on one generated dump (scripts/gen-traces, seed 42), appended to
# bench/RESULTS.md. Not a test: run it on a quiet machine.
#   bench/run.sh                          both suites, 1 GB dump in bench/data/ (made once, ~70 s)
#   bench/run.sh --suite filter --runs 1  one suite, quicker
# Suites: read (trace-read vs cat, zstd -dc, jq, Miller, Python), filter (trace-filter vs jq,
# Miller on the same selection, outputs compared before timing), pair (trace-pair turn mode vs
# a jq program making the same examples, counts compared before timing), normalize (trace-normalize
# and trace-validate on the trace/v1 dump, and trace-normalize converting a v3 store's sessions),
# stats (grouped mean and sd of reward by model vs jq, Miller, DuckDB), dedup (trace-dedup vs a
# NumPy MinHash reference, bench/minhash_reference.py, on a prefix), pipeline (read ->
# normalize -> validate -> filter -> pair, plain and .zst, vs the same chain in jq).
# stats (grouped mean and sd of reward by model vs jq, Miller, DuckDB), pipeline (read ->
# normalize -> validate -> filter -> pair, plain and .zst, vs the same chain in jq), scrub (trace-scrub
# on the dump and on a copy with secrets planted in every 10th session, one process and two, vs
# a Python json + re scrubber and a grep detector; outputs and counts checked before timing).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
size=1G runs=3 data=$root/bench/data suite=all
while [[ $# -gt 0 ]]; do
  case $1 in
    --size) size=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    --suite) suite=$2; shift 2 ;;
    *) echo "usage: bench/run.sh [--size 1G] [--runs 3] [--data DIR] [--suite read|filter|pair|normalize|dialects|stats|dedup|scrub|pipeline|all]" >&2; exit 2 ;;
  esac
done
"$root/scripts/install-deps.sh" --bench >/dev/null
[[ -x $root/build/bin/trace-filter ]] || "$root/scripts/build.sh"
bin=$root/build/bin
mkdir -p "$data"
dump=$data/dump-$size.ndjson
[[ -s $dump ]] || "$root/scripts/gen-traces" --seed 42 --size "$size" >"$dump"
[[ -s $dump.zst ]] || { zstd -q -3 -T1 <"$dump" >"$dump.zst.tmp" && mv "$dump.zst.tmp" "$dump.zst"; }
bytes=$(stat -L -c %s "$dump")
records=$(wc -l <"$dump")

rows=()
# bench LABEL RUNS COMMAND...: best-of-RUNS wall time and that run's peak RSS
bench() {
  local label=$1 n=$2 best="" rss="" seconds kib
  shift 2
  echo "  $label ..." >&2
  for ((i = 0; i < n; i++)); do
    /usr/bin/time -f "%e %M" -o "$data/time.txt" "$@" >/dev/null 2>"$data/err.txt" || {
      echo "command failed: $*" >&2; cat "$data/err.txt" >&2; exit 1; }
    read -r seconds kib <"$data/time.txt"
    if [[ -z $best ]] || awk "BEGIN{exit !($seconds < $best)}"; then best=$seconds rss=$((kib / 1024)); fi
  done
  rows+=("$label|$best|$rss|${row_bytes:-$bytes}")
}
# report TITLE BASE_LABEL NOTE...: appends the collected rows as a section, ratios to BASE_LABEL
report() {
  local title=$1 base=$2 base_seconds="" r l s
  shift 2
  for r in "${rows[@]}"; do IFS='|' read -r l s _ <<<"$r"; if [[ $l == "$base" ]]; then base_seconds=$s; fi; done
  {
    echo
    echo "## $title, $(date -u +%Y-%m-%d), commit $(git -C "$root" rev-parse --short HEAD)"
    echo
    echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB."
    echo "Data: \`scripts/gen-traces --seed 42 --size $size\`: $bytes bytes, $records sessions; \`.zst\`: \`zstd -3\`."
    echo "Best of $runs runs for the tracemill commands (1 for the slow peers), warm cache, output to /dev/null."
    for note in "$@"; do echo "$note"; done
    echo "Command: \`bench/run.sh --suite $suite --size $size --runs $runs\`."
    echo
    echo "| command | seconds | MB/s | peak RSS MiB | time / $base |"
    echo "|---|---:|---:|---:|---:|"
    for r in "${rows[@]}"; do
      IFS='|' read -r l s rss b <<<"$r"
      awk -v l="$l" -v s="$s" -v r="$rss" -v b="$b" -v t="$base_seconds" \
        'BEGIN { printf "| %s | %.2f | %.0f | %d | %.2f |\n", l, s, b / s / 1e6, r, s / t }'
    done
  } | tee -a "$root/bench/RESULTS.md"
  rows=()
}

cat "$dump" >/dev/null  # warm the page cache

# DuckDB from the npm registry (bench/duckdb/package.json), when node is available.
duckdb=""
if command -v node >/dev/null && command -v npm >/dev/null; then
  (cd "$root/bench/duckdb" && npm install --no-audit --no-fund >/dev/null 2>&1) && duckdb="node $root/bench/duckdb/query.mjs"
fi
[[ -n $duckdb ]] || echo "  DuckDB skipped: node/npm or the @duckdb/node-api package is not available" >&2

if [[ $suite == read || $suite == all ]]; then
  cat >"$data/pyjson.py" <<'PY'
import json, sys
out = sys.stdout
for line in sys.stdin.buffer:
    out.write(json.dumps(json.loads(line), separators=(",", ":"), ensure_ascii=False) + "\n")
PY
  bench "cat" "$runs" cat "$dump"
  bench "zstd -dc (.zst)" "$runs" zstd -dc "$dump.zst"
  bench "trace-read" "$runs" "$bin/trace-read" "$dump"
  bench "trace-read (.zst)" "$runs" "$bin/trace-read" "$dump.zst"
  bench "trace-read --shard 0/4" "$runs" "$bin/trace-read" --shard 0/4 "$dump"
  bench "trace-read --compact" 1 "$bin/trace-read" --compact "$dump"
  bench "jq -c ." 1 jq -c . "$dump"
  bench "mlr --ijsonl --ojsonl cat" 1 mlr --ijsonl --ojsonl cat "$dump"
  bench "python3 json loads/dumps" 1 bash -c "python3 $data/pyjson.py < $dump"
  report "trace-read" "trace-read" "Targets: trace-read >= 600 MB/s on plain NDJSON; on .zst >= 0.85 x zstd -dc; peak RSS < 64 MiB."
fi

if [[ $suite == filter || $suite == all ]]; then
  jq_expr='select((.reward|type) == "number" and .reward >= 2 and .model == "gpt-4.1-mini")'
  mlr_expr='is_numeric($reward) && $reward >= 2 && $model == "gpt-4.1-mini"'
  "$bin/trace-filter" -q --min-reward 2 --model gpt-4.1-mini "$dump" >"$data/kept.ndjson"
  kept=$(wc -l <"$data/kept.ndjson")
  theirs=$(jq -c "$jq_expr" "$dump" | wc -l)
  [[ $kept == "$theirs" ]] || { echo "trace-filter kept $kept sessions, jq $theirs" >&2; exit 1; }
  # The kept lines are the input's own lines, in order, byte for byte (a streaming walk).
  python3 - "$data/kept.ndjson" "$dump" <<'PY' || { echo "trace-filter output is not the input's own lines" >&2; exit 1; }
import sys
kept, dump = open(sys.argv[1], "rb"), open(sys.argv[2], "rb")
want = kept.readline()
for line in dump:
    if want and line == want:
        want = kept.readline()
sys.exit(1 if want else 0)
PY
  rm -f "$data/kept.ndjson"
  bench "trace-filter --min-reward 2 --model M" "$runs" "$bin/trace-filter" -q --min-reward 2 --model gpt-4.1-mini "$dump"
  bench "trace-filter (.zst)" "$runs" "$bin/trace-filter" -q --min-reward 2 --model gpt-4.1-mini "$dump.zst"
  bench "jq -c 'select(...)'" 1 jq -c "$jq_expr" "$dump"
  bench "mlr filter" 1 mlr --ijsonl --ojsonl filter "$mlr_expr" "$dump"
  if [[ -n $duckdb ]]; then
    where="reward >= 2 AND model = 'gpt-4.1-mini'"
    duck_kept=$($duckdb "SELECT count(*) FROM read_ndjson_auto('$dump') WHERE $where")
    [[ $duck_kept == "$kept" ]] || { echo "trace-filter kept $kept sessions, DuckDB $duck_kept" >&2; exit 1; }
    bench "DuckDB COPY (SELECT * ... WHERE) TO NDJSON" 1 $duckdb "COPY (SELECT * FROM read_ndjson_auto('$dump') WHERE $where) TO '/dev/null' (FORMAT JSON)"
    bench "DuckDB SELECT count(*) ... WHERE (projected)" 1 $duckdb "SELECT count(*) FROM read_ndjson_auto('$dump') WHERE $where"
  fi
  report "trace-filter" "trace-filter --min-reward 2 --model M" \
    "Selection: reward >= 2 (a missing reward fails) and model gpt-4.1-mini; $kept sessions kept, the same count as jq's, and trace-filter's output is the input's own lines (checked before timing)." \
    "DuckDB: @duckdb/node-api from npm, 2 threads; COPY writes the selected records (the same work), count(*) only reads the two columns." \
    "Targets: >= 720 MB/s, >= 12 x jq, >= 2 x DuckDB."
fi

if [[ $suite == pair || $suite == all ]]; then
  # One example per assistant message with the messages before it (no weights, no metadata).
  jq_pair='. as $s | range(0; .messages | length) | select($s.messages[.].role == "assistant") | {messages: $s.messages[0:(. + 1)]}'
  examples=$("$bin/trace-pair" -q --mode turn --weights all --no-metadata "$dump" | wc -l)
  jq_examples=$(head -n 2000 "$dump" | jq -c "$jq_pair" | wc -l)
  ours_head=$(head -n 2000 "$dump" | "$bin/trace-pair" -q --mode turn --weights all --no-metadata | wc -l)
  [[ $jq_examples == "$ours_head" ]] || { echo "on 2000 sessions: trace-pair made $ours_head examples, jq $jq_examples" >&2; exit 1; }
  bench "trace-pair --mode turn" "$runs" "$bin/trace-pair" -q --mode turn "$dump"
  bench "trace-pair --mode turn --weights all --no-metadata" "$runs" "$bin/trace-pair" -q --mode turn --weights all --no-metadata "$dump"
  bench "trace-pair (.zst)" "$runs" "$bin/trace-pair" -q --mode turn "$dump.zst"
  bench "jq (the same examples, no weights or metadata)" 1 jq -c "$jq_pair" "$dump"
  report "trace-pair" "trace-pair --mode turn" \
    "Turn mode: $examples examples from $records sessions; on the first 2000 sessions trace-pair and jq make the same number of examples (checked before timing)." \
    "Targets: >= 300 MB/s of input, >= 50 x jq."
fi

if [[ $suite == normalize || $suite == all ]]; then
  # A v3 store's sessions in the export dialect (scripts/make-v3-store, 1000 Crafter sessions).
  v3=$data/v3-1000
  [[ -s $v3.ndjson ]] || { "$root/scripts/make-v3-store" --profile env_rollout --sessions 1000 --seed 11 "$v3.db" \
    && "$bin/trace-read" "$v3.db" >"$v3.ndjson"; }
  v3_bytes=$(stat -c %s "$v3.ndjson")
  bench "trace-normalize (trace/v1 in: unchanged)" "$runs" "$bin/trace-normalize" -q "$dump"
  bench "trace-validate --profile trace" "$runs" "$bin/trace-validate" -q --profile trace "$dump"
  bench "trace-normalize (.zst)" "$runs" "$bin/trace-normalize" -q "$dump.zst"
  bench "jq -c . (parse and print, for scale)" 1 jq -c . "$dump"
  report "trace-normalize and trace-validate" "trace-normalize (trace/v1 in: unchanged)" \
    "Targets: normalize and validate >= 300 MB/s on the generated dump."
  bench "trace-normalize (v3 export dialect in)" "$runs" "$bin/trace-normalize" -q "$v3.ndjson"
  bench "trace-read (v3 SQLite store)" "$runs" "$bin/trace-read" "$v3.db"
  bench "trace-validate --profile trace (normalized v3)" "$runs" bash -c "'$bin/trace-normalize' -q '$v3.ndjson' | '$bin/trace-validate' -q --profile trace"
  bytes_saved=$bytes
  bytes=$v3_bytes
  report "trace-normalize converting v3 sessions ($v3_bytes bytes of v3 export records, MB/s of that)" "trace-normalize (v3 export dialect in)" \
    "Data: \`scripts/make-v3-store --profile env_rollout --sessions 1000 --seed 11\`, read with trace-read."
  bytes=$bytes_saved
  # Codex CLI rollouts, one event per line (bench/gen-codex-rollouts: the line mix of real rollouts).
  codex=$data/codex-$size.ndjson
  [[ -s $codex ]] || "$root/bench/gen-codex-rollouts" --seed 7 --size "$size" >"$codex"
  bench "trace-normalize (Codex CLI rollouts in)" "$runs" "$bin/trace-normalize" -q "$codex"
  bytes=$(stat -c %s "$codex")
  report "trace-normalize converting Codex CLI rollouts ($bytes bytes, MB/s of that)" "trace-normalize (Codex CLI rollouts in)" \
    "Data: \`bench/gen-codex-rollouts --seed 7 --size $size\`. Target: >= 200 MB/s on one core."
  bytes=$bytes_saved
fi

if [[ $suite == dialects || $suite == all ]]; then
  # Agent and harness formats: the shared samples of each, read once and repeated to SIZE
  # (line-per-event formats with a fresh session id per copy, bench/replicate-sessions), so
  # every row converts real files of its format. MB/s is of each row's own input.
  shared=$root/../shared/data
  if [[ -d $shared/claude-code ]]; then
    # name | session-id keys of a line format ("" for one record per session) | sample files
    formats=(
      "Claude Code JSONL|sessionId|claude-code/*.jsonl"
      "Gemini CLI JSONL|sessionId|gemini-cli/*.jsonl"
      "SWE-agent .traj||swe-agent/*.traj"
      "mini-swe-agent .traj.json||mini-swe-agent/local.traj.json mini-swe-agent/deepseek_bench1/*.traj.json"
      "OpenHands events and eval output||openhands/*.json openhands/*.jsonl"
      "OpenHands SDK events and LLM logs||openhands-sdk/*"
      "Harbor ATIF trajectories||harbor-atif/*.json"
      "NVIDIA ATOF event streams|uuid parent_uuid|harbor-atif/*atof*.jsonl"
      "Inspect AI .json logs||inspect-ai/*.json"
      "verifiers vf-eval rows||verifiers-vf-eval/*results.jsonl"
      "tau-bench results||tau-bench/*"
      "tau2-bench simulations||tau2-bench/*"
    )
    bytes_saved=$bytes
    for entry in "${formats[@]}"; do
      IFS='|' read -r name key files <<<"$entry"
      input=$data/dialect-$(echo "$name" | tr -c 'A-Za-z0-9\n' '-' | tr -s '-' | sed 's/-$//')-$size.ndjson
      if [[ ! -s $input ]]; then
        # shellcheck disable=SC2086  # the globs expand here
        paths=$(cd "$shared" && ls -d $files | sed "s|^|$shared/|")
        if [[ -n $key ]]; then
          keys=()
          for k in $key; do keys+=(--key "$k"); done
          # shellcheck disable=SC2086
          "$root/bench/replicate-sessions" --size "$size" "${keys[@]}" $paths >"$input"
        else
          # shellcheck disable=SC2086
          "$bin/trace-read" -q $paths >"$input.one"
          target=$(numfmt --from=iec "$size")
          : >"$input"
          while (($(stat -c %s "$input") < target)); do cat "$input.one" >>"$input"; done
          rm -f "$input.one"
        fi
      fi
      row_bytes=$(stat -c %s "$input")
      # --threads 0: the target is per core, so everything runs on the reading thread.
      bench "trace-normalize ($name in)" "$runs" "$bin/trace-normalize" -q --threads 0 "$input"
    done
    codex=$data/codex-$size.ndjson
    [[ -s $codex ]] || "$root/bench/gen-codex-rollouts" --seed 7 --size "$size" >"$codex"
    row_bytes=$(stat -c %s "$codex")
    bench "trace-normalize (Codex CLI rollouts in, generated)" "$runs" "$bin/trace-normalize" -q --threads 0 "$codex"
    row_bytes=$(stat -c %s "$data/dialect-Claude-Code-JSONL-$size.ndjson")
    bench "jq -c . on the Claude Code input (parse and print, for scale)" 1 jq -c . "$data/dialect-Claude-Code-JSONL-$size.ndjson"
    unset row_bytes
    report "trace-normalize converting agent and harness formats ($size of each, MB/s of its own input)" "trace-normalize (Claude Code JSONL in)" \
      "Data: the shared samples of each format, read with \`trace-read -q\` and repeated to $size (line formats through \`bench/replicate-sessions --key sessionId\`, a fresh session id per copy); Codex CLI rollouts from \`bench/gen-codex-rollouts --seed 7\`." \
      "One core: \`trace-normalize --threads 0\`. Target: >= 200 MB/s on one core for every format, memory flat."
    bytes=$bytes_saved
  else
    echo "dialects suite: shared/data is absent, skipped" >&2
  fi
fi

if [[ $suite == stats || $suite == all ]]; then
  jq_stats='reduce (inputs | select(.reward|type == "number")) as $r ({}; .[$r.model // "null"] |= (.n += 1 | .s += $r.reward | .q += ($r.reward * $r.reward))) | map_values({n, mean: (.s / .n), sd: (((.q - .s * .s / .n) / (.n - 1)) | sqrt)})'
  ours=$("$bin/trace-stats" -q -g model --format json --histogram none "$dump" | python3 -c "import json,sys; d=json.load(sys.stdin); print(sorted((k, v['metrics']['reward']['count']) for k, v in d['groups'].items()))")
  theirs=$(jq -n -c "$jq_stats" "$dump" | python3 -c "import json,sys; d=json.load(sys.stdin); print(sorted((k, v['n']) for k, v in d.items()))")
  [[ $ours == "$theirs" ]] || { echo "trace-stats counts $ours, jq $theirs" >&2; exit 1; }
  bench "trace-stats -g model (reward mean, sd, quantiles; all metrics)" "$runs" "$bin/trace-stats" -q -g model --histogram none "$dump"
  bench "trace-stats (.zst)" "$runs" "$bin/trace-stats" -q -g model --histogram none "$dump.zst"
  # The target is a ratio to jq, whose time varies by half between runs here: best of N for it too.
  bench "jq reduce (reward n, mean, sd by model)" "$runs" jq -n -c "$jq_stats" "$dump"
  bench "mlr stats1 -a count,mean,stddev -f reward -g model" 1 mlr --ijsonl --ojson stats1 -a count,mean,stddev -f reward -g model "$dump"
  if [[ -n $duckdb ]]; then
    bench "DuckDB SELECT model, avg, stddev_samp ... GROUP BY (projected)" "$runs" $duckdb "SELECT model, count(reward), avg(reward), stddev_samp(reward) FROM read_ndjson_auto('$dump') GROUP BY model"
  fi
  report "trace-stats" "trace-stats -g model (reward mean, sd, quantiles; all metrics)" \
    "trace-stats computes every default metric (8 numeric fields with quantiles, 4 categories, achievements) per group; the peers compute only the reward's count, mean and sd per model. Group counts checked against jq before timing." \
    "jq and DuckDB are timed best of $runs too (Miller once)." \
    "Targets: faster than DuckDB's column-projected query, >= 15 x jq, flat memory."
fi

if [[ $suite == dedup || $suite == all ]]; then
  # Decisions compared first, on 2000 sessions with every 4th one planted again with one word
  # of its last message changed (a near duplicate) and every 7th one again as it is (exact).
  head -n 2000 "$dump" | python3 -c '
import json, sys
lines = sys.stdin.read().splitlines()
out = list(lines)
for i, line in enumerate(lines):
    if i % 7 == 0:
        out.append(line)
    if i % 4 == 0:
        r = json.loads(line)
        m = r["messages"][-1]
        if isinstance(m.get("content"), str):
            m["content"] = m["content"].replace(" the ", " a ", 1)
        r["session_id"] += "-copy"
        out.append(json.dumps(r))
print("\n".join(out))' >"$data/dedup-planted.ndjson"
  ours=$("$bin/trace-dedup" --summary "$data/dedup-planted.ndjson" 2>&1 >/dev/null | grep -o '[0-9]* exact and [0-9]* near')
  theirs=$(/usr/bin/python3 "$root/bench/minhash_reference.py" <"$data/dedup-planted.ndjson" 2>&1 >/dev/null)
  echo "  planted duplicates: trace-dedup dropped $ours; $theirs" >&2
  text=$("$bin/trace-dedup" --summary "$dump" 2>&1 >/dev/null | grep -o '[0-9]* bytes of text' | cut -d' ' -f1)
  head -c 100000000 "$dump" | head -n -1 >"$data/dedup-prefix.ndjson"
  prefix_bytes=$(stat -c %s "$data/dedup-prefix.ndjson")
  bench "trace-dedup (all message text)" "$runs" "$bin/trace-dedup" -q "$dump"
  bench "trace-dedup --threads 0 (the reading thread only)" "$runs" "$bin/trace-dedup" -q --threads 0 "$dump"
  bench "trace-dedup (.zst)" "$runs" "$bin/trace-dedup" -q "$dump.zst"
  bench "trace-dedup < dump (standard input: records spilled for pass 2)" 1 bash -c "'$bin/trace-dedup' -q < '$dump'"
  bench "trace-dedup --exact-only" "$runs" "$bin/trace-dedup" -q --exact-only "$dump"
  bench "trace-dedup, the first $prefix_bytes bytes" "$runs" "$bin/trace-dedup" -q "$data/dedup-prefix.ndjson"
  bench "NumPy MinHash reference (datasketch's algorithm), the same first $prefix_bytes bytes" 1 bash -c "/usr/bin/python3 '$root/bench/minhash_reference.py' < '$data/dedup-prefix.ndjson'"
  report "trace-dedup" "trace-dedup (all message text)" \
    "Text compared (all message text): $text bytes of the $bytes, so MB/s of text = MB/s x $(awk -v t="$text" -v b="$bytes" 'BEGIN{printf "%.3f", t / b}'). Default: two worker threads (--threads 2); --threads 0 observes and signs on the reading thread." \
    "The two prefix rows ran on the first $prefix_bytes bytes: their MB/s is what counts, not their seconds." \
    "Planted duplicates (2000 sessions, every 7th again as is, every 4th again with one word changed): trace-dedup dropped $ours; $theirs." \
    "Defaults on both: 5-word shingles, 256 permutations in 64 bands, threshold 0.7." \
    "Target: >= 50 MB/s of text per core."
fi

if [[ $suite == pipeline || $suite == all ]]; then
  chain="'$bin/trace-read' -q \"\$1\" | '$bin/trace-normalize' -q | '$bin/trace-validate' -q --profile trace | '$bin/trace-filter' -q --min-reward 1 | '$bin/trace-pair' -q"
  jq_pair='. as $s | range(0; .messages | length) | select($s.messages[.].role == "assistant") | {messages: $s.messages[0:(. + 1)]}'
  bench "read, normalize, validate, filter, pair" "$runs" bash -c "$chain" _ "$dump"
  bench "the same, .zst input" "$runs" bash -c "$chain" _ "$dump.zst"
  bench "jq select, then jq pair" 1 bash -c "jq -c 'select((.reward|type) == \"number\" and .reward >= 1)' '$dump' | jq -c '$jq_pair'"
  report "whole pipeline" "read, normalize, validate, filter, pair" \
    "Five processes on two cores; jq does only the selection and the pairing (no validation or normalization)." \
    "Target: >= 150 MB/s."
fi

if [[ $suite == scrub || $suite == all ]]; then
  planted=$data/dump-$size-planted.ndjson
  # Every 10th session gets an e-mail address and an AWS key id (both made up) in its first observation.
  [[ -s $planted ]] || sed '0~10 s/"content":"Observation /"content":"Observation mail jane.doe@example.org key AKIAQWERTYUIOPASDFGH /' \
    "$dump" >"$planted"
  cat >"$data/pyscrub.py" <<'PY'
import json, re, sys
# The same kinds of rules as trace-scrub's (Python syntax), one alternation, on every decoded string.
RULES = [
    r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----",
    r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b", r"\bAIza[\w-]{35}", r"(?i:AccountKey=)[A-Za-z0-9+/]{86}==",
    r"\b(?:gh[pousr]_[0-9A-Za-z]{36}|github_pat_[0-9A-Za-z_]{82})\b", r"\bglpat-[0-9A-Za-z_-]{20,}",
    r"\b(?:xox[abeoprs]|xapp)-[0-9A-Za-z-]{10,250}", r"https://hooks\.slack\.com/services/[A-Za-z0-9+/]{20,}",
    r"\bsk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,}", r"\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}",
    r"\b(?:hf_|api_org_)[A-Za-z]{34}\b", r"\b(?:sk|rk)_(?:test|live)_[0-9A-Za-z]{10,99}\b",
    r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
    r"(?<=:)[^\s/?#@\"'<>:]{1,256}(?=@[^\s/?#@\"'<>])",
    r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b",
    r"\b(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\b",
]
pattern = re.compile("|".join("(?:%s)" % r for r in RULES))
found = 0
def scrub(v):
    global found
    if isinstance(v, str):
        new, n = pattern.subn("<SECRET>", v)
        found += n
        return new
    if isinstance(v, list):
        return [scrub(x) for x in v]
    if isinstance(v, dict):
        return {scrub(k): scrub(x) for k, x in v.items()}
    return v
out = sys.stdout
for line in sys.stdin:
    before = found
    record = scrub(json.loads(line))
    out.write(line if found == before else json.dumps(record, separators=(",", ":"), ensure_ascii=False) + "\n")
print(found, file=sys.stderr)
PY
  grep_ere='AKIA[A-Z2-7]{16}|ASIA[A-Z2-7]{16}|AIza[A-Za-z0-9_-]{35}|gh[pousr]_[0-9A-Za-z]{36}|glpat-|xox[abeoprs]-|sk-ant-|sk-proj-|hf_[A-Za-z]{34}|[sr]k_(live|test)_|eyJ[A-Za-z0-9_-]{8,}\.eyJ|PRIVATE KEY-----|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z]{2,}|[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}'
  # Before timing: nothing in the generated dump, so the output is the input byte for byte; in
  # the planted copy, exactly the planted values, as the Python scrubber counts them.
  "$bin/trace-scrub" -q "$dump" | cmp -s - "$dump" || { echo "trace-scrub changed the generated dump" >&2; exit 1; }
  planted_values=$((2 * $(grep -c 'jane.doe@example.org key AKIA' "$planted")))
  ours=$({ "$bin/trace-scrub" --check "$planted" 2>&1 || true; } | sed -n 's/^trace-scrub: \([0-9]*\) findings.*/\1/p')
  [[ $ours == "$planted_values" ]] || { echo "trace-scrub found $ours values, $planted_values were planted" >&2; exit 1; }
  two="parallel --pipepart -a {} --block -1 -j2 --keep-order $bin/trace-scrub -q"
  "$bin/trace-scrub" -q "$planted" | cmp -s - <(parallel --pipepart -a "$planted" --block -1 -j2 --keep-order "$bin/trace-scrub" -q) \
    || { echo "two trace-scrub processes differ from one" >&2; exit 1; }
  bench "trace-scrub" "$runs" "$bin/trace-scrub" -q "$dump"
  # CPU time too: on a shared machine the wall time also counts other processes' turns.
  /usr/bin/time -f "%U %S" -o "$data/time.txt" "$bin/trace-scrub" -q "$dump" >/dev/null
  scrub_cpu=$(awk '{ printf "%.2f", $1 + $2 }' "$data/time.txt")
  bench "trace-scrub (.zst)" "$runs" "$bin/trace-scrub" -q "$dump.zst"
  bench "trace-scrub, 2 processes (parallel --pipepart -j2 --keep-order)" "$runs" bash -c "${two//\{\}/$dump}"
  bench "trace-scrub --check" "$runs" "$bin/trace-scrub" -q --check "$dump"
  bench "trace-scrub, 10% of sessions with secrets" "$runs" "$bin/trace-scrub" -q "$planted"
  bench "trace-scrub, 10% with secrets, 2 processes" "$runs" bash -c "${two//\{\}/$planted}"
  bench "cat" "$runs" cat "$dump"
  bench "jq -c ." 1 jq -c . "$dump"
  bench "grep -c -E (detection only, raw bytes, 14 patterns)" 1 bash -c "grep -c -E '$grep_ere' '$dump' || true"
  bench "python3 json + re (16 rules in one alternation)" 1 bash -c "python3 $data/pyscrub.py < $dump"
  report "trace-scrub" "trace-scrub" \
    "trace-scrub runs its 21 rules on every decoded string (keys included) and writes every record; the generated dump holds no secret, so its output is the input (checked with cmp). The planted copy has an e-mail address and an AWS key id in every 10th session (${planted_values} values, all found, checked before timing); two processes give the same bytes as one (checked)." \
    "grep only detects, on raw bytes (escapes not decoded), with fewer patterns; Python decodes every record and rewrites only those with findings." \
    "CPU time of one trace-scrub run on the dump (user + sys): ${scrub_cpu} s, $(awk -v b="$bytes" -v s="$scrub_cpu" 'BEGIN { printf "%.0f", b / s / 1e6 }') MB/s of CPU; load average when the suite ended: $(cut -d' ' -f1-3 /proc/loadavg)." \
    "Target: trace-scrub >= 300 MB/s."
fi
