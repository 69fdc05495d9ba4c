#!/usr/bin/env bash
# Runs one golden CLI case. A case is a folder tests/cli/<tool>/<case>/ holding:
#   args       the command line after the tool name (bash words; $DATA is shared/data,
#              $CASE this case's files, $ROOT the project)
#   stdin.*    optional standard input (in zstd mode it is compressed first)
#   stdout     expected standard output (missing: empty)
#   stderr     expected standard error (missing: empty)
#   exit       expected exit code (missing: 0)
#   plain-only present when the case cannot run on compressed input (say why inside)
#   needs-data present when the case reads shared/data (skipped when it is absent)
# The tool is the case folder's parent name. Files the command writes land in a scratch
# folder (the working directory); expected files named files/<name> are compared too.
# usage: run_case.sh plain|zstd BIN_DIR CASE_DIR     (UPDATE_GOLDEN=1 rewrites expectations)
set -uo pipefail
mode=$1 bin=$2 case_dir=$(cd "$3" && pwd)
tool=$(basename "$(dirname "$case_dir")")
[[ "$tool" == cli || "$tool" == tests ]] && tool=trace-read
DATA=${TRACE_SHARED_DATA:-}
if [[ -e "$case_dir/needs-data" && ! -d "$DATA" ]]; then echo "skip: shared/data is absent"; exit 77; fi
if [[ $mode == zstd && -e "$case_dir/plain-only" ]]; then echo "skip: $(cat "$case_dir/plain-only")"; exit 77; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$case_dir/." "$work/case"
mkdir "$work/run"
stdin=/dev/null
for candidate in "$work"/case/stdin*; do [[ -e "$candidate" ]] && stdin=$candidate; done
if [[ $mode == zstd && $stdin != /dev/null ]]; then
  zstd -q -c "$stdin" >"$work/stdin.zst"
  stdin=$work/stdin.zst
fi
ROOT=$(cd "$(dirname "$0")/../.." && pwd)  # the project, for cases that run its scripts
export DATA CASE="$work/case" ROOT
args=$(cat "$case_dir/args" 2>/dev/null || true)
(cd "$work/run" && PATH="$bin:$PATH" eval "$tool $args") <"$stdin" >"$work/stdout" 2>"$work/stderr"
rc=$?
# Paths in output: the case folder reads as CASE, shared data as DATA (CI clones elsewhere).
normalise() { sed -i -e "s|$work/case|CASE|g" ${DATA:+-e "s|$DATA|DATA|g"} "$@"; }
normalise "$work/stdout" "$work/stderr"
if [[ -d "$case_dir/files" ]]; then for f in "$case_dir"/files/*; do [[ -f "$work/run/$(basename "$f")" ]] && normalise "$work/run/$(basename "$f")"; done; fi

if [[ ${UPDATE_GOLDEN:-} == 1 && $mode == plain ]]; then
  cp "$work/stdout" "$case_dir/stdout"; [[ -s "$case_dir/stdout" ]] || rm -f "$case_dir/stdout"
  cp "$work/stderr" "$case_dir/stderr"; [[ -s "$case_dir/stderr" ]] || rm -f "$case_dir/stderr"
  if [[ $rc -ne 0 ]]; then echo "$rc" >"$case_dir/exit"; else rm -f "$case_dir/exit"; fi
  if [[ -d "$case_dir/files" ]]; then for f in "$case_dir"/files/*; do cp "$work/run/$(basename "$f")" "$f"; done; fi
  echo "updated $case_dir"; exit 0
fi

status=0
expected_rc=$(cat "$case_dir/exit" 2>/dev/null || echo 0)
if [[ $rc -ne $expected_rc ]]; then echo "exit code $rc, expected $expected_rc"; status=1; fi
for stream in stdout stderr; do
  expected=$case_dir/$stream
  [[ -e $expected ]] || expected=/dev/null
  if ! diff -u "$expected" "$work/$stream" >"$work/diff"; then
    echo "--- $stream differs (expected vs actual):"; cat "$work/diff"; status=1
  fi
done
if [[ -d "$case_dir/files" ]]; then
  for f in "$case_dir"/files/*; do
    if ! diff -u "$f" "$work/run/$(basename "$f")"; then echo "--- file $(basename "$f") differs"; status=1; fi
  done
fi
[[ $status -eq 0 ]] && echo "ok $tool/$(basename "$case_dir") ($mode)"
exit $status
