#!/usr/bin/env bash
# The repository's text is self-contained: no tracked file cites a document outside it (a spec
# folder, a style guide or anything else in the shared folder beside the project). The sample
# data folder is a path setting, not a citation, and stays allowed. Cite docs/ instead.
# With TRACE_LINT_NEGATIVE_CONTROL=1 a file that cites outside is added: the check must fail.
set -euo pipefail
cd "$1"

# A path starting with spec/ (not a URL's /spec/), ../shared other than ../shared/data, the
# shared folder's absolute path, or a style.md that is not docs/style.md.
pattern='(?<![\w/.-])spec/|\.\./shared(?!/data)|/work/share[d]|(?<![\w/.-])style\.md'

files=()
while IFS= read -r -d '' file; do
  case "$file" in
    tests/lint/self_contained.sh | tests/fuzz/corpus/* | tests/cli/*/stdin*) continue ;;
  esac
  [[ -f "$file" ]] || continue  # deleted in the working tree, not yet committed
  files+=("$file")
done < <(git ls-files -z)

if [[ "${TRACE_LINT_NEGATIVE_CONTROL:-}" == 1 ]]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  printf 'Rules (see spec/inputs.md section 8.2).\n' > "$scratch/cites-outside.md"
  files+=("$scratch/cites-outside.md")
fi

((${#files[@]} > 0)) || { echo "no tracked files found (not a git checkout?)"; exit 1; }
# -I skips binary files. grep: 0 found, 1 none, 2 trouble.
status=0
hits=$(grep -nIP -- "$pattern" "${files[@]}") || status=$?
if ((status == 0)); then
  echo "files citing documents outside the repository (cite docs/ instead):"
  echo "$hits"
  exit 1
fi
((status == 1)) || exit 1
echo "self-contained: ${#files[@]} files checked"
