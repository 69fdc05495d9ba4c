#!/usr/bin/env bash
# Sources are ASCII and have no trailing whitespace.
set -euo pipefail
cd "$1"
status=0
while IFS= read -r -d '' file; do
  if LC_ALL=C grep -nP '[^\x00-\x7F]' "$file" >/dev/null; then
    echo "$file: non-ASCII bytes:"; LC_ALL=C grep -nP '[^\x00-\x7F]' "$file" | head -3; status=1
  fi
  if grep -nE '[[:space:]]+$' "$file" >/dev/null; then
    echo "$file: trailing whitespace:"; grep -nE '[[:space:]]+$' "$file" | head -3; status=1
  fi
done < <(git ls-files -z -- '*.cpp' '*.hpp' '*.cmake' 'CMakeLists.txt' '*/CMakeLists.txt' '*.sh' 'scripts/*' 2>/dev/null || find . -name '*.cpp' -print0)
exit $status
