#!/usr/bin/env bash
# libstream must never print or exit (docs/style.md, "Library"): its object code may not reference stdio,
# iostreams' standard streams, exit or abort.
set -euo pipefail
lib=$1
bad=$(nm -C --undefined-only "$lib" | grep -E '\b(std::cout|std::cerr|std::clog|printf|fprintf|puts|fputs|exit|_exit|abort|stdout|stderr)\b' || true)
if [[ -n "$bad" ]]; then
  echo "libstream references forbidden symbols:"
  echo "$bad"
  exit 1
fi
echo "libstream references no stdio, exit or abort"
