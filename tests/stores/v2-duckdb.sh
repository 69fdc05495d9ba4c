#!/usr/bin/env bash
# v2 DuckDB stores through table exports: a real DuckDB file in the v2 schema (both
# dialects) built with DuckDB from npm, exported by scripts/export-duckdb, assembled by
# trace-read, normalized and validated; every message row accounted for; idempotent.
# Skips (77) when Node.js or the npm package cannot be had.
# usage: v2-duckdb.sh BIN_DIR SCRIPTS_DIR
set -euo pipefail
bin=$1 scripts=$2
command -v node >/dev/null || { echo "skip: no Node.js"; exit 77; }
if [[ ! -d $scripts/duckdb/node_modules/@duckdb/node-api ]]; then
  (cd "$scripts/duckdb" && npm install --no-audit --no-fund --silent) >/dev/null 2>&1 || { echo "skip: npm could not install @duckdb/node-api"; exit 77; }
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
node "$scripts/duckdb/make-v2-fixture.mjs" "$work/crafter_traces.duckdb"
"$scripts/export-duckdb" "$work/crafter_traces.duckdb" "$work/tables" 2>/dev/null
"$bin/trace-read" "$work/tables" >"$work/raw.ndjson"
[[ $(wc -l <"$work/raw.ndjson") -eq 4 ]] || fail "expected 4 sessions, got $(wc -l <"$work/raw.ndjson")"
"$bin/trace-normalize" "$work/raw.ndjson" 2>"$work/err" | "$bin/trace-validate" -p trace --strict -q >"$work/norm.ndjson" || fail "not valid trace/v1"
[[ $(grep -c "W1)" "$work/err") -eq 3 ]] || fail "the three Crafter sessions without prompts were not reported (W1)"
python3 - "$work/norm.ndjson" "$(wc -l <"$work/tables/messages.ndjson")" <<'PY' || fail "conservation or dialect mapping"
import json, sys
records = {r["session_id"]: r for r in map(json.loads, open(sys.argv[1]))}
assert sum(len(r["messages"]) + len(r.get("env_messages", [])) for r in records.values()) == int(sys.argv[2])
a = records["session_2025-07-25T14:24:06.169234"]
assert a["original_session_id"].startswith("crafter_episode_1_"), a.get("original_session_id")  # W3
assert "experiment_id" not in a  # W4
assert a["usage"]["input_tokens"] == 1000 + 1001 + 1002 + 1003  # W5: from metadata
assert a["achievements"] == ["collect_wood", "collect_sapling"]
assert {m["type"] for m in a["env_messages"]} == {"observation", "tool_call", "action"}  # W2: real types
b = records["crafter_episode_3_task-3"]
assert b["experiment_id"] == "exp-uuid-1" and b["experiment"]["name"] == "brave-otter"
assert abs(b["cost_usd"] - 3 * 0.0042) < 1e-12
chat = records["chat_session_b"]
assert [m["role"] for m in chat["messages"]] == ["user", "assistant"] and chat["messages"][1]["content"] == "North of you."
PY
"$bin/trace-normalize" "$work/norm.ndjson" | cmp -s - "$work/norm.ndjson" || fail "normalizing twice changed the records"
# A table out of session order is refused with file and line.
(head -1 "$work/tables/messages.ndjson"; tail -1 "$work/tables/messages.ndjson"; head -1 "$work/tables/messages.ndjson") >"$work/m" && mv "$work/m" "$work/tables/messages.ndjson"
if "$bin/trace-read" "$work/tables" >/dev/null 2>"$work/err"; then fail "unordered export accepted"; fi
grep -q "messages.ndjson:3: rows are not ordered by session_id" "$work/err" || fail "unordered message: $(cat "$work/err")"
echo "ok"
