#!/usr/bin/env bash
# Hostile records through the tools, each with its documented outcome (tests/fault/README.md):
#  - 100,000-deep nesting in a message, in a grouped value, and as a --where expression:
#    the record is rejected "nesting deeper than 1000 levels", the run goes on (later records
#    are written), the ledger holds; the expression is a usage error naming its limit;
#  - a record with a million keys: trace-validate's diagnostic stays one short line;
#  - a zstd bomb (a 64 MiB line of one byte compressed to a few KiB): rejected as longer than
#    --max-record-size, with peak memory far below the line's size.
set -euo pipefail
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
deep = "[" * 100000 + "]" * 100000
ok = {"session_id": "ok", "model": "m", "reward": 1, "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
with open(f"{work}/deep.ndjson", "w") as f:
    f.write('{"session_id":"deep","model":"m","reward":1,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"x","tool_calls":' + deep + '}]}\n')
    f.write('{"session_id":"deep2","model":' + deep + ',"reward":2}\n')
    f.write(json.dumps(ok) + "\n")
with open(f"{work}/million.ndjson", "w") as f:
    f.write(json.dumps({"schema": "trace/v1", "session_id": "s", **{f"k{i}": i for i in range(1000000)}}) + "\n")
with open(f"{work}/where.txt", "w") as f:
    f.write("(" * 20000 + "reward > 0" + ")" * 20000)
PY

# Deep nesting: trace-pair, trace-stats, trace-filter, trace-validate reject the deep records, keep the rest.
for tool in pair stats filter validate; do
  status=0
  "$bin/trace-$tool" --rejects "$work/rejects.$tool" "$work/deep.ndjson" >"$work/out.$tool" 2>"$work/err.$tool" || status=$?
  [[ $status -le 1 ]] || fail "trace-$tool exit $status on deep nesting"
  grep -q "nesting deeper than 1000 levels" "$work/rejects.$tool" || fail "trace-$tool: no depth rejection: $(head -c 300 "$work/err.$tool")"
  [[ $(grep -c . "$work/rejects.$tool") -eq 2 ]] || fail "trace-$tool: expected 2 rejects"
done
grep -q '"ok"' "$work/out.pair" || fail "trace-pair dropped the record after the deep ones"
grep -q '"ok"' "$work/out.filter" || fail "trace-filter dropped the record after the deep ones"
echo "ok: 100,000-deep records rejected with the depth limit by pair, stats, filter, validate; the run goes on"

# A --where of 20,000 nested parentheses: a usage error naming the limit.
status=0
"$bin/trace-filter" --where "$(cat "$work/where.txt")" "$work/deep.ndjson" >/dev/null 2>"$work/err.where" || status=$?
[[ $status -eq 2 ]] || fail "trace-filter --where deep: exit $status, expected 2"
grep -q "nest deeper than 256 levels" "$work/err.where" || fail "trace-filter --where deep: $(head -c 300 "$work/err.where")"
echo "ok: --where with 20,000 nested parentheses is a usage error naming the limit"

# A million keys: one short diagnostic line.
status=0
"$bin/trace-validate" --profile trace "$work/million.ndjson" >/dev/null 2>"$work/err.million" || status=$?
[[ $status -le 1 ]] || fail "trace-validate exit $status on a million keys"
size=$(wc -c <"$work/err.million")
[[ $size -lt 10000 ]] || fail "trace-validate wrote $size bytes of diagnostics for one record"
grep -qE "and 9999[0-9]{2} more" "$work/err.million" || fail "trace-validate: no count of the findings left out: $(head -c 300 "$work/err.million")"
echo "ok: a million unknown members give a $size-byte diagnostic"

# A zstd bomb: 64 MiB without a newline, rejected under --max-record-size 1M, memory flat.
python3 -c "import sys; sys.stdout.buffer.write(b'x' * (64 << 20))" | zstd -q -19 -c >"$work/bomb.zst"
python3 - "$bin/trace-read" "$work/bomb.zst" "$work" <<'PY'
import os, sys
tool, bomb, work = sys.argv[1:]

def run_measured(args, stdin_path, name):
    """Runs one child with its own rusage: (exit status, stdout, stderr, peak RSS in MiB)."""
    out_path, err_path = f"{work}/{name}.out", f"{work}/{name}.err"
    writing = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    pid = os.posix_spawn(args[0], args, os.environ, file_actions=[
        (os.POSIX_SPAWN_OPEN, 0, stdin_path, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, out_path, writing, 0o644),
        (os.POSIX_SPAWN_OPEN, 2, err_path, writing, 0o644)])
    _, wait_status, usage = os.wait4(pid, 0)
    return (os.waitstatus_to_exitcode(wait_status), open(out_path, "rb").read(),
            open(err_path, "rb").read(), usage.ru_maxrss / 1024)

# The baseline is the same binary on a one-line input: the sanitizer builds carry tens of MiB of
# shadow memory, so only the growth over it says whether the oversized line was held.
with open(f"{work}/one-line.ndjson", "w") as one_line:
    one_line.write('{"a":1}\n')
_, _, _, baseline_mib = run_measured([tool], f"{work}/one-line.ndjson", "baseline")
status, out, err, peak_mib = run_measured(
    [tool, "--max-record-size", "1M", "--rejects", f"{work}/bomb.rejects.ndjson", bomb], "/dev/null", "bomb")
rejects = open(f"{work}/bomb.rejects.ndjson").read()
if status not in (0, 1) or out:
    sys.exit(f"FAIL: trace-read on the bomb: exit {status}, {len(out)} bytes out")
if "longer than the maximum record size" not in rejects:
    sys.exit("FAIL: the bomb's line was not rejected as oversized: " + err.decode()[:300])
if baseline_mib <= 0 or peak_mib <= 0:
    sys.exit("FAIL: could not measure the children's peak memory")
growth_mib = peak_mib - baseline_mib
if growth_mib > 32:
    sys.exit(f"FAIL: peak memory grew {growth_mib:.0f} MiB over the baseline for a 1 MiB limit")
print(f"ok: a zstd bomb ({64} MiB line) is rejected as oversized; peak memory {peak_mib:.0f} MiB, {growth_mib:.0f} MiB over the baseline")
PY
