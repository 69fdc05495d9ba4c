#!/usr/bin/env bash
# The text report fits the terminal: no line of trace-stats' report on the example pipeline
# data (2,000 generated sessions, grouped, compared, with failures, experiments and
# outliers) is wider than $COLUMNS, at 100 and at the default 80 (COLUMNS unset).
# usage: terminal-width.sh BIN_DIR [negative]
#   negative: the report made at 100 columns is held to 80; the check must fail (the
#   negative control proves the check sees long lines).
set -euo pipefail
bin=$1 mode=${2:-}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$root/scripts/gen-traces" --seed 42 --records 2000 --broken-every 250 >"$work/dump.ndjson"
report() {
  "$bin/trace-stats" -q --group-by model --compare reward --experiments --outliers iqr "$work/dump.ndjson"
}
# The longest line in code points (a bar block is one column).
longest() { python3 -c 'import sys; print(max(len(l) for l in sys.stdin.read().split("\n")))'; }
status=0
check() {  # LIMIT FILE
  local n
  n=$(longest <"$2")
  if ((n > $1)); then echo "FAIL: a line of $n columns in $(basename "$2") (limit $1)"; status=1; else echo "ok: $(basename "$2") fits $1 columns ($n)"; fi
}
COLUMNS=100 report >"$work/at-100.txt"
if [[ $mode == negative ]]; then
  check 80 "$work/at-100.txt"
  exit $status
fi
(unset COLUMNS; report) >"$work/default.txt"
check 100 "$work/at-100.txt"
check 80 "$work/default.txt"
# Large numbers in fixed notation, never as 2.33193e+07.
if grep -nE '[0-9]e\+[0-9]' "$work/at-100.txt" "$work/default.txt"; then echo "FAIL: a number in exponent notation"; status=1; fi
exit $status
