#!/usr/bin/env bash
# v3 SQLite stores end to end: fixtures built from the DDL (scripts/make-v3-store) with the
# row ratios of the real manifests, read directly and as a sqld directory, normalized,
# validated; every message row accounted for; normalizing twice changes nothing; the
# experiment queue read as records of their own kind.
# usage: v3-sqlite.sh BIN_DIR SCRIPTS_DIR
set -euo pipefail
bin=$1 scripts=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
count() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['counts'][sys.argv[2]])" "$@"; }

for spec in "env_rollout 2" "chat_small 3" "env_rollout 2 --legacy"; do
  set -- $spec
  db=$work/$1${3:-}.db
  "$scripts/make-v3-store" --profile "$1" --sessions "$2" ${3:-} "$db"
  "$bin/trace-read" --summary "$db" 2>"$work/read.err" >"$work/raw.ndjson"
  sessions=$(count "$db.manifest.json" session_traces)
  [[ $(wc -l <"$work/raw.ndjson") -eq $sessions ]] || fail "$db: $(wc -l <"$work/raw.ndjson") records for $sessions sessions"
  "$bin/trace-normalize" "$work/raw.ndjson" 2>"$work/norm.err" | "$bin/trace-validate" -p trace --strict -q >"$work/norm.ndjson" \
    || fail "$db: normalized records are not valid trace/v1"
  grep -q "W15" "$work/norm.err" || fail "$db: the message-less session (W15) was not reported"
  # Conservation: every message row is a message or an env_messages entry.
  python3 - "$work/norm.ndjson" "$(count "$db.manifest.json" messages)" "$(count "$db.manifest.json" event_rewards)" <<'PY' || fail "$db: conservation"
import json, sys
records = [json.loads(line) for line in open(sys.argv[1])]
messages = sum(len(r["messages"]) + len(r.get("env_messages", [])) for r in records)
rewards = sum(len(r.get("event_rewards", [])) for r in records)
assert messages == int(sys.argv[2]), (messages, sys.argv[2])
assert rewards == int(sys.argv[3]), (rewards, sys.argv[3])
for r in records:
    assert r["created_at"].endswith("Z"), r["created_at"]
    if r["messages"]:
        assert r.get("cost_usd_cents_truncated") is True or "cost_usd" in r
PY
  # Idempotence: trace/v1 in, the same bytes out.
  "$bin/trace-normalize" "$work/norm.ndjson" | cmp -s - "$work/norm.ndjson" || fail "$db: normalizing twice changed the records"
  # The dataset path: examples that pass the OpenAI validator.
  "$bin/trace-pair" -q "$work/norm.ndjson" | "$bin/trace-validate" -p openai-chat --strict -q >/dev/null \
    || fail "$db: trace-pair output does not validate"
done

# Legacy stores keep policy_* types (W16): mapped, with the original kept.
grep -q '"original_role":"policy_system_prompt"' "$work/norm.ndjson" || fail "legacy policy_* types not mapped"

# A sqld directory holds the database at dbs/default/data.
mkdir -p "$work/sqld/dbs/default"
cp "$work/chat_small.db" "$work/sqld/dbs/default/data"
cmp -s <("$bin/trace-read" "$work/sqld") <("$bin/trace-read" "$work/chat_small.db") || fail "sqld directory differs from the file"

# From a pipe a store cannot be read: a clear message, exit 1.
if "$bin/trace-read" <"$work/chat_small.db" >/dev/null 2>"$work/err"; then fail "a store on stdin was accepted"; fi
grep -q "SQLite database" "$work/err" || fail "no clear message for a store on stdin: $(cat "$work/err")"

# The experiment queue: experiments, jobs (dotted overrides) and trials as their own records.
python3 - "$work/queue.db" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript("""
CREATE TABLE experiments (experiment_id VARCHAR(64) PRIMARY KEY, name VARCHAR(255), description TEXT, status VARCHAR,
  parallelism_limit INTEGER DEFAULT 3, config_toml TEXT, metadata JSON, error TEXT, created_at DATETIME, started_at DATETIME, completed_at DATETIME);
CREATE TABLE experiment_jobs (job_id VARCHAR PRIMARY KEY, experiment_id VARCHAR, job_type VARCHAR, config_path VARCHAR,
  config_overrides JSON, status VARCHAR, celery_task_id VARCHAR, backend_job_id VARCHAR, result JSON, status_json JSON, error TEXT);
CREATE TABLE trials (trial_id VARCHAR PRIMARY KEY, experiment_id VARCHAR, job_id VARCHAR, trial_number INTEGER, system_name VARCHAR,
  prompt_id VARCHAR, session_id VARCHAR, reward FLOAT, aggregate_score FLOAT, rewards JSON, metadata JSON, status VARCHAR);
""")
db.execute("INSERT INTO experiments VALUES ('exp_0123456789ab','heart','d','completed',3,'[prompt_learning]',?,NULL,'2025-10-01 10:00:00',NULL,NULL)",
           (json.dumps({"aggregate": {"best_score": 0.85}}),))
db.execute("INSERT INTO experiment_jobs VALUES ('job_1','exp_0123456789ab','gepa','heart.toml',?, 'completed',NULL,'pl_1',?,?,NULL)",
           (json.dumps({"prompt_learning.policy.model": "openai/gpt-oss-20b"}), json.dumps({"best_score": 0.85}),
            json.dumps({"policy": "llama-3.1-8b-instant", "trials_completed": 2})))
for i in (1, 2):
    db.execute("INSERT INTO trials VALUES (?, 'exp_0123456789ab', 'job_1', ?, 'gepa_trial', NULL, NULL, ?, ?, ?, '{}', 'completed')",
               (f"t{i}", i, 0.5 + i / 10, 0.5 + i / 10, json.dumps({"performance": 0.5 + i / 10})))
db.commit()
PY
"$bin/trace-read" "$work/queue.db" >"$work/queue.ndjson"
[[ $(grep -c '"record_type":"trial"' "$work/queue.ndjson") -eq 2 ]] || fail "queue trials"
grep -q '"config_overrides":{"prompt_learning.policy.model":"openai/gpt-oss-20b"}' "$work/queue.ndjson" || fail "queue overrides not embedded as JSON"
[[ $(head -c 30 "$work/queue.ndjson") == '{"record_type":"experiment","e' ]] || fail "queue order"

# Not a trace store: the tables are named.
python3 -c "import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute('CREATE TABLE t(x)')" "$work/other.db"
if "$bin/trace-read" "$work/other.db" >/dev/null 2>"$work/err"; then fail "an unrelated database was read"; fi
grep -q "its tables: t" "$work/err" || fail "unrelated database message: $(cat "$work/err")"
echo "ok"
