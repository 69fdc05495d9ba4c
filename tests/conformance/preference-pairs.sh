#!/usr/bin/env bash
# trace-pair --mode preference checked by an independent script (check_preference.py) on a
# generated dump of repeated rollouts (scripts/gen-traces --rollouts) and on a v3 SQLite store
# fixture, in both formats and pair selections; every pair also passes its trace-validate
# profile. Negative controls: a swapped pair, a dropped pair and an edited prompt must fail.
# usage: preference-pairs.sh BIN_DIR SCRIPTS_DIR
set -euo pipefail
bin=$1 scripts=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
check() { python3 "$here/check_preference.py" "$@" >/dev/null || fail "check_preference.py $*"; }

"$scripts/gen-traces" --records 400 --seed 7 --rollouts 4 >"$work/dump.ndjson"
"$scripts/make-v3-store" --profile env_rollout --sessions 12 --seed 7 "$work/store.db" >/dev/null
"$bin/trace-read" -q "$work/store.db" | "$bin/trace-normalize" -q >"$work/store.ndjson"

for combination in "dump best-worst openai" "dump best-worst trl" "dump all openai" "dump all trl" \
                   "store best-worst openai" "store all trl"; do
  set -- $combination
  input=$1 selection=$2 format=$3
  profile=$([[ $format == openai ]] && echo openai-preference || echo trl-dpo)
  "$bin/trace-pair" -q --mode preference --group-by task_id,seed --pairs "$selection" --format "$format" \
    --min-margin 1 --sort-memory 64K "$work/$input.ndjson" >"$work/pairs.jsonl"
  check "$work/$input.ndjson" "$work/pairs.jsonl" --group-by task_id,seed --pairs "$selection" --format "$format" --min-margin 1
  "$bin/trace-validate" -q -p "$profile" --strict "$work/pairs.jsonl" >/dev/null || fail "$input $selection $format: not valid $profile"
done
for input in dump store; do
  "$bin/trace-pair" -q --mode preference --group-by task_id --split-at final "$work/$input.ndjson" >"$work/final.jsonl"
  check "$work/$input.ndjson" "$work/final.jsonl" --group-by task_id --split-at final
done
# The store's rollouts of one task share no prompt (their first observations differ): no pair.
[[ ! -s "$work/pairs.jsonl" ]] || fail "store: pairs from sessions whose observations differ"

"$bin/trace-pair" -q --mode preference --group-by task_id,seed "$work/dump.ndjson" >"$work/pairs.jsonl"
[[ $(wc -l <"$work/pairs.jsonl") -gt 50 ]] || fail "too few pairs on the generated dump to mean anything"
check "$work/dump.ndjson" "$work/pairs.jsonl" --group-by task_id,seed
"$bin/trace-pair" -q --mode kto --format trl --group-by task_id,seed --min-reward 3 --max-reward 1 "$work/dump.ndjson" |
  "$bin/trace-validate" -q -p trl-kto --strict >/dev/null || fail "kto examples that are not valid trl-kto"
# trace-filter --best-of 2: the two best of each group by reward, ties by session_id, rechecked.
"$bin/trace-filter" -q --best-of 2 --group-by task_id,seed --shuffle-memory 64K "$work/dump.ndjson" >"$work/best.ndjson"
python3 - "$work/dump.ndjson" "$work/best.ndjson" <<'PY' || fail "--best-of kept other sessions than the two best of each group"
import json, sys
groups = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if isinstance(r.get("reward"), (int, float)):
        groups.setdefault((r["task_id"], r["seed"]), []).append(r)
expected = set()
for rs in groups.values():
    rs.sort(key=lambda r: (-r["reward"], r["session_id"]))
    expected.update(r["session_id"] for r in rs[:2])
kept = [json.loads(line)["session_id"] for line in open(sys.argv[2])]
assert len(kept) == len(set(kept)) and set(kept) == expected, (len(kept), len(expected))
PY
# Negative controls: the checker must catch each of these.
python3 - "$work/pairs.jsonl" "$work" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
first = json.loads(lines[0])
swapped = dict(first, preferred_output=first["non_preferred_output"], non_preferred_output=first["preferred_output"])
edited = json.loads(lines[0])
edited["input"]["messages"][-1]["content"] = "edited"
for name, body in [("swapped", [json.dumps(swapped)] + lines[1:]), ("dropped", lines[1:]),
                   ("edited", [json.dumps(edited)] + lines[1:])]:
    open("%s/%s.jsonl" % (sys.argv[2], name), "w").write("\n".join(body) + "\n")
PY
for tampered in swapped dropped edited; do
  if python3 "$here/check_preference.py" "$work/dump.ndjson" "$work/$tampered.jsonl" --group-by task_id,seed 2>/dev/null; then
    fail "negative control: the checker accepted a $tampered pair"
  fi
done
echo "ok"
