#!/usr/bin/env bash
# trace-validate --stats on a terminal prints its report, not the records (they would bury it);
# piped, the same run writes every valid record (the control that the check can fail).
# usage: validate_stats_terminal.sh TRACE_VALIDATE
set -uo pipefail
tool=$1
command -v script >/dev/null || { echo "no script(1) for a terminal"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
example='{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}'
for i in 1 2 3; do echo "$example"; done >"$work/train.jsonl"
timeout 20 script -qec "$tool --profile openai-chat --token-estimate --stats $work/train.jsonl" /dev/null </dev/null >"$work/terminal" 2>&1
grep -q '"messages"' "$work/terminal" && { echo "FAIL: records written to the terminal: $(head -c 300 "$work/terminal")"; exit 1; }
grep -q 'messages per example' "$work/terminal" || { echo "FAIL: no report on the terminal: $(cat "$work/terminal")"; exit 1; }
grep -q '3 valid records not written to the terminal' "$work/terminal" || { echo "FAIL: withheld records not said: $(cat "$work/terminal")"; exit 1; }
[[ $("$tool" -q --profile openai-chat --token-estimate --stats "$work/train.jsonl" | wc -l) -eq 3 ]] || { echo "FAIL: piped, the records are not written"; exit 1; }
echo "ok"
