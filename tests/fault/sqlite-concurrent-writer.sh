#!/usr/bin/env bash
# A v3 SQLite trace store (the DDL of scripts/make-v3-store) that another process writes while
# trace-read reads it (tests/fault/README.md). The writer (python3's sqlite3) commits one
# transaction after another, each adding session k (its messages and event) and deleting
# session k-20 (children first), so that the store always holds 20 whole sessions. A reader
# without one snapshot for the whole read (say, each session's messages read in a transaction
# of their own) could see a deleted session's row without its messages: a half session.
# Documented outcome, in WAL mode and in rollback-journal mode: every read exits 0 and writes
# exactly 20 sessions k-19..k of one instant, each with all its messages and its event.
# usage: sqlite-concurrent-writer.sh BIN_DIR SCRIPTS_DIR
set -euo pipefail
bin=$1
scripts=$2
work=$(mktemp -d)
writer=
cleanup() {
  [[ -n $writer ]] && kill "$writer" 2>/dev/null && wait "$writer" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

# The check of one read: 20 consecutive sessions, each whole.
cat >"$work/check.py" <<'PY'
import json, sys
records = [json.loads(line) for line in open(sys.argv[1])]
ks = [r["metadata"]["k"] for r in records]
assert len(ks) == 20 and ks == list(range(ks[0], ks[0] + 20)), ks
for r in records:
    messages = r["markov_blanket_message_history"]
    assert len(messages) == 30 == r["num_messages"], (r["session_id"], len(messages))
    assert all(m["content"].endswith(" of " + r["session_id"] + " " + "w" * 300) for m in messages), r["session_id"]
    assert len(r["event_history"]) == 1, r["session_id"]
PY
# Negative control: a reader that reads each session's rows in a transaction of its own (as
# trace-read would without one snapshot) must be caught by the check.
cat >"$work/unsafe_read.py" <<'PY'
import json, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.row_factory = sqlite3.Row
sessions = [dict(r) for r in db.execute("SELECT * FROM session_traces ORDER BY created_at")]
for s in sessions:
    time.sleep(0.002)  # long enough for commits to land between the session and its rows
    s["metadata"] = json.loads(s["metadata"])
    s["markov_blanket_message_history"] = [dict(r) for r in db.execute(
        "SELECT * FROM messages WHERE session_id = ? ORDER BY id", (s["session_id"],))]
    s["event_history"] = [dict(r) for r in db.execute("SELECT id FROM events WHERE session_id = ?", (s["session_id"],))]
    print(json.dumps(s))
PY

for journal in wal delete; do
  db=$work/$journal.db
  rm -f "$work/stop" "$work/commits"
  python3 - "$scripts/make-v3-store" "$db" "$journal" "$work" <<'PY' &
import importlib.machinery, importlib.util, json, os, sqlite3, sys
maker, path, journal, work = sys.argv[1:]
loader = importlib.machinery.SourceFileLoader("make_v3_store", maker)
spec = importlib.util.spec_from_loader("make_v3_store", loader)
store = importlib.util.module_from_spec(spec)
loader.exec_module(store)
WINDOW, MESSAGES = 20, 30
db = sqlite3.connect(path, timeout=60, isolation_level=None)
db.execute(f"PRAGMA journal_mode={journal}")
db.executescript(store.DDL.format(event_check="", message_check=""))

def add(k):
    sid = f"s{k:06d}"
    db.execute("INSERT INTO session_traces (session_id, created_at, num_timesteps, num_events, num_messages, metadata)"
               " VALUES (?, ?, 1, 1, ?, ?)",
               (sid, f"2025-01-01T00:00:00.{k:06d}Z", MESSAGES, json.dumps({"k": k})))
    db.execute("INSERT INTO events (session_id, event_type, created_at) VALUES (?, 'cais', '2025-01-01 00:00:00')", (sid,))
    for m in range(MESSAGES):
        db.execute("INSERT INTO messages (session_id, message_type, content) VALUES (?, ?, ?)",
                   (sid, "user" if m % 2 == 0 else "assistant", f"message {m} of {sid} " + "w" * 300))

def remove(k):
    sid = f"s{k:06d}"
    for table in ("messages", "events", "session_traces"):
        db.execute(f"DELETE FROM {table} WHERE session_id = ?", (sid,))

k = 0
for k in range(WINDOW):
    add(k)
open(f"{work}/ready", "w").close()
while not os.path.exists(f"{work}/stop"):
    k += 1
    db.execute("BEGIN IMMEDIATE")
    add(k)
    remove(k - WINDOW)
    db.execute("COMMIT")
    with open(f"{work}/commits.tmp", "w") as f:
        f.write(str(k))
    os.replace(f"{work}/commits.tmp", f"{work}/commits")
PY
  writer=$!
  for _ in $(seq 200); do [[ -e $work/ready ]] && break; sleep 0.05; done
  [[ -e $work/ready ]] || fail "$journal: the writer did not start"
  rm -f "$work/ready"
  overlapped=0
  for read in $(seq 10); do
    before=$(cat "$work/commits" 2>/dev/null || echo 0)
    status=0
    "$bin/trace-read" "$db" >"$work/out" 2>"$work/err" || status=$?
    after=$(cat "$work/commits" 2>/dev/null || echo 0)
    [[ $status -eq 0 ]] || fail "$journal, read $read: exit $status: $(head -c 300 "$work/err")"
    [[ ! -s $work/err ]] || fail "$journal, read $read: diagnostics: $(head -c 300 "$work/err")"
    python3 "$work/check.py" "$work/out" || fail "$journal, read $read: not one consistent snapshot"
    ((after > before)) && overlapped=$((overlapped + 1))
  done
  if [[ $journal == wal ]]; then
    caught=0
    for attempt in $(seq 20); do
      python3 "$work/unsafe_read.py" "$db" >"$work/out"
      python3 "$work/check.py" "$work/out" 2>/dev/null || { caught=$attempt; break; }
    done
    ((caught > 0)) || fail "negative control: a reader without one snapshot passed the check 20 times"
    echo "ok: negative control: a reader without one snapshot was caught at its read $caught"
  fi
  touch "$work/stop"
  wait "$writer" || fail "$journal: the writer failed"
  writer=
  # Reads that saw no commit happen while they ran would prove nothing.
  ((overlapped >= 3)) || fail "$journal: only $overlapped of 10 reads overlapped a commit"
  echo "ok: $journal journal: 10 reads during $(cat "$work/commits") commits ($overlapped reads overlapped one), each exit 0, 20 whole sessions"
done
