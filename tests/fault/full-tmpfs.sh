#!/usr/bin/env bash
# -o FILE (and --rejects FILE) on a file system that fills up mid-run: a 64 KiB tmpfs, and
# about 1 MiB of records (tests/fault/README.md). Documented outcome: exit 1, one error line
# naming the file and the cause (no space left on device), neither the file nor a temporary
# left on the full file system. Needs to mount a tmpfs (root, or a container allowed to):
# skipped (exit 77) otherwise.
# usage: full-tmpfs.sh BIN_DIR TOOL
set -euo pipefail
bin=$1
tool=$2
work=$(mktemp -d)
mnt=$work/small
mkdir "$mnt"
cleanup() {
  mountpoint -q "$mnt" && umount "$mnt"
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $tool: $*"; exit 1; }
if ! mount -t tmpfs -o size=64k tmpfs "$mnt" 2>/dev/null; then
  echo "skipped: cannot mount a tmpfs here"
  exit 77
fi

python3 - "$work/in.ndjson" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(2000):
        f.write(json.dumps({"schema": "trace/v1", "session_id": f"s{i}", "messages": [
            {"role": "user", "content": f"question {i} " + "x" * 400},
            {"role": "assistant", "content": f"answer {i}"}]}) + "\n")
    f.write("{not json\n" * 3000)  # rejects, for --rejects
PY

for option in -o --rejects; do
  target=$mnt/result.ndjson
  status=0
  "$bin/$tool" "$option" "$target" "$work/in.ndjson" >/dev/null 2>"$work/err" || status=$?
  [[ $status -eq 1 ]] || fail "$option on a full tmpfs: exit $status, expected 1: $(head -c 300 "$work/err")"
  grep -q "^$tool: $target.*: .*No space left on device" "$work/err" ||
    fail "$option: no error naming the file and the cause: $(head -c 300 "$work/err")"
  left=$(ls -A "$mnt")
  [[ -z $left ]] || fail "$option: left on the full file system: $left"
  echo "ok: $tool $option FILE on a full 64 KiB tmpfs: exit 1, '$(grep -m1 "No space" "$work/err")', nothing left"
done
