#!/usr/bin/env bash
# JSONTestSuite (shared/data/jsontestsuite) through trace-read --format document:
# every y_ file gives exactly one record, every n_ file is refused with a reason on stderr
# and no output, and no file at all (i_ included) crashes the reader.
set -uo pipefail
bin=$1 data=$2/jsontestsuite/test_parsing
[[ -d $data ]] || { echo "skip: $data is absent"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0 accepted=0 refused=0 other=0
for file in "$data"/*.json; do
  name=$(basename "$file")
  "$bin/trace-read" --format document --rejects "$work/rejects" "$file" >"$work/out" 2>"$work/err"
  rc=$?
  if [[ $rc -ge 128 || $rc -eq 2 ]] || grep -q 'Sanitizer' "$work/err"; then
    echo "CRASH or usage error ($rc): $name"; cat "$work/err"; failures=$((failures + 1)); continue
  fi
  lines=$(wc -l <"$work/out")
  case $name in
    y_*)
      if [[ $rc -ne 0 || $lines -ne 1 ]]; then
        echo "NOT ACCEPTED: $name (exit $rc, $lines records)"; cat "$work/err"; failures=$((failures + 1))
      elif ! "$bin/trace-read" --format ndjson --on-error fail <"$work/out" >/dev/null; then
        echo "OUTPUT NOT ONE VALID LINE: $name"; failures=$((failures + 1))
      else
        accepted=$((accepted + 1))
      fi ;;
    n_*)
      if [[ $lines -ne 0 || ! -s "$work/err" ]] || [[ $rc -eq 0 && ! -s "$work/rejects" ]]; then
        echo "NOT REFUSED: $name (exit $rc, $lines records)"; failures=$((failures + 1))
      else
        refused=$((refused + 1))
      fi ;;
    *) other=$((other + 1)) ;;
  esac
done
echo "y_ accepted: $accepted, n_ refused: $refused, i_ survived: $other, failures: $failures"
[[ $failures -eq 0 ]]
