#!/usr/bin/env bash
# SIGTERM and SIGINT while a tool writes -o FILE: the tool dies of the signal (exit 128+N),
# FILE is not created and no FILE.tmp.* is left behind. The input is a FIFO kept open, so the
# tool is certainly mid-run, its temporary file already created (checked: negative control).
set -euo pipefail
set -m  # job control: background jobs keep SIGINT (a non-interactive shell would ignore it for them)
bin=$1
tool=${2:-trace-read}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for signal in TERM INT; do
  mkfifo "$work/in.ndjson"
  ( printf '{"session_id":"s1","reward":1}\n'; sleep 30 ) >"$work/in.ndjson" &
  writer=$!
  "$bin/$tool" -o "$work/out.ndjson" "$work/in.ndjson" 2>"$work/stderr" &
  pid=$!
  for _ in $(seq 100); do
    compgen -G "$work/out.ndjson.tmp.*" >/dev/null && break
    sleep 0.05
  done
  if ! compgen -G "$work/out.ndjson.tmp.*" >/dev/null; then
    echo "FAIL: $tool made no temporary file for -o (the test would prove nothing)"
    exit 1
  fi
  kill -s "$signal" "$pid"
  status=0
  wait "$pid" || status=$?
  kill "$writer" 2>/dev/null || true
  wait "$writer" 2>/dev/null || true
  expected=$((128 + $(kill -l "$signal")))
  if [[ $status -ne $expected ]]; then
    echo "FAIL: $tool exit $status after SIG$signal, expected $expected"
    cat "$work/stderr"
    exit 1
  fi
  if compgen -G "$work/out.ndjson*" >/dev/null; then
    echo "FAIL: $tool left after SIG$signal:"
    ls -la "$work"
    exit 1
  fi
  rm -f "$work/in.ndjson"
  echo "ok: $tool, SIG$signal: exit $status, no output file, no temporary"
done
