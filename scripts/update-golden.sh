#!/usr/bin/env bash
# Regenerates the expected outputs of golden CLI cases from the current build; read the diff
# (git diff tests/cli) before committing it.
#   scripts/update-golden.sh                 every case
#   scripts/update-golden.sh trace-read/limit-stops-early
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export TRACE_SHARED_DATA=${TRACE_SHARED_DATA:-$root/../shared/data}
if [[ $# -eq 0 ]]; then set -- $(cd "$root/tests/cli" && ls -d trace-*/*/); fi
for case in "$@"; do
  UPDATE_GOLDEN=1 bash "$root/tests/cli/run_case.sh" plain "$root/build/bin" "$root/tests/cli/$case"
done
