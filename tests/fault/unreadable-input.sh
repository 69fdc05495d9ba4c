#!/usr/bin/env bash
# Inputs that cannot be read, among readable ones (tests/fault/README.md). The tests run as
# root, which file modes do not stop (chmod 000 proves nothing), so the unreadable inputs are
# ones that fail for root too: a directory (open succeeds, it is refused before any read) and
# /proc/self/mem (open succeeds, the first read fails with EIO: nothing is mapped at 0).
# Documented outcome: each bad input gets one `TOOL: NAME: message` line and ends only that
# input; the inputs after it are read; exit 1; read = written + filtered + rejected over the
# records read; -o FILE is not put in place (a failed run leaves no output file) and leaves no
# temporary; with --on-error fail the run stops at the first bad input.
# usage: unreadable-input.sh BIN_DIR TOOL
set -euo pipefail
bin=$1
tool=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $tool: $*"; exit 1; }

record() { printf '{"schema":"trace/v1","session_id":"%s","messages":[{"role":"user","content":"words of %s"},{"role":"assistant","content":"reply %s"}]}\n' "$1" "$1" "$1"; }
{ record a1; record a2; } >"$work/first.ndjson"
record b1 >"$work/second.ndjson"
record c1 >"$work/third.ndjson"
mkdir "$work/folder"
inputs=("$work/first.ndjson" "$work/folder" "$work/second.ndjson" /proc/self/mem "$work/third.ndjson")

# Every input is tried; the readable ones are written in order; exit 1.
status=0
"$bin/$tool" --summary "${inputs[@]}" >"$work/out" 2>"$work/err" || status=$?
[[ $status -eq 1 ]] || fail "exit $status, expected 1: $(cat "$work/err")"
ids=$(python3 -c "import json,sys; print(' '.join(json.loads(l)['session_id'] for l in open(sys.argv[1])))" "$work/out")
[[ $ids == "a1 a2 b1 c1" ]] || fail "written: '$ids', expected 'a1 a2 b1 c1'"
grep -qx "$tool: $work/folder: .*directory.*" "$work/err" || fail "no 'TOOL: DIR: message' line: $(cat "$work/err")"
grep -qx "$tool: /proc/self/mem: read error: .*" "$work/err" || fail "no 'TOOL: /proc/self/mem: read error' line: $(cat "$work/err")"
grep -q "summary: read 4, written 4, filtered 0, rejected 0" "$work/err" || fail "ledger: $(grep summary "$work/err")"
echo "ok: $tool: a directory and /proc/self/mem among 3 files: one line each, the 4 readable records written, exit 1"

# -o FILE: a failed run does not put FILE in place, and leaves no temporary.
status=0
"$bin/$tool" -o "$work/result.ndjson" "${inputs[@]}" 2>"$work/err" || status=$?
[[ $status -eq 1 ]] || fail "-o: exit $status, expected 1"
if compgen -G "$work/result.ndjson*" >/dev/null; then fail "-o: left $(ls "$work"/result.ndjson*)"; fi
echo "ok: $tool -o FILE: exit 1, neither FILE nor a temporary"

# --on-error fail: the run stops at the first bad input.
status=0
"$bin/$tool" --on-error fail "${inputs[@]}" >"$work/out" 2>"$work/err" || status=$?
[[ $status -eq 1 ]] || fail "--on-error fail: exit $status, expected 1"
grep -q "$work/folder" "$work/err" || fail "--on-error fail: the directory is not named: $(cat "$work/err")"
if grep -q "proc/self/mem" "$work/err"; then fail "--on-error fail: went on past the first bad input"; fi
if grep -q '"b1"' "$work/out"; then fail "--on-error fail: read the input after the bad one"; fi
echo "ok: $tool --on-error fail: stops at the directory, exit 1"
