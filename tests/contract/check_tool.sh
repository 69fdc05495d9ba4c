#!/usr/bin/env bash
# The command-line contract every trace-* tool keeps (docs/style.md, "Tests"; docs/distributed.md,
# "Requirements on every tool").
# usage: check_tool.sh CHECK TOOL_BINARY TOOL_README
set -uo pipefail
check=$1 tool=$2 readme=$3
name=$(basename "$tool")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL [$check] $name: $*"; exit 1; }
record='{"schema":"trace/v1","session_id":"s-1","reward":1.5,"messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a"}]}'

case $check in
  help)
    "$tool" --help >"$work/out" 2>"$work/err"; rc=$?
    [[ $rc -eq 0 ]] || fail "--help exits $rc"
    grep -q "^Usage: $name" "$work/out" || fail "--help prints no 'Usage: $name' on stdout"
    [[ ! -s "$work/err" ]] || fail "--help writes to stderr: $(cat "$work/err")"
    # CLI11 shows a negated flag's default as "--flag{false}": no such artefacts.
    ! grep -nE -- '--[a-z-]+\{[a-z0-9]*\}' "$work/out" || fail "--help shows a {default} artefact"
    ;;
  binary-input)
    # An executable or image given by mistake: one message and exit 1, not a reject per "line".
    { printf '\177ELF\002\001\001\000\000\000'; head -c 6000 /dev/zero | tr '\0' '\001'; printf '\n\000\000\n'; } >"$work/binary"
    "$tool" "$work/binary" >"$work/out" 2>"$work/err"; rc=$?
    [[ $rc -eq 1 ]] || fail "binary input exits $rc, not 1: $(head -3 "$work/err")"
    [[ $(wc -l <"$work/err") -eq 1 ]] || fail "binary input gives $(wc -l <"$work/err") lines on stderr, not one: $(head -3 "$work/err")"
    grep -q "^$name: $work/binary: binary data, not JSON text" "$work/err" || fail "no binary-data message: $(cat "$work/err")"
    [[ ! -s "$work/out" ]] || fail "binary input writes to stdout: $(head -c 300 "$work/out")"
    # Control: a NUL byte among JSON lines is that line's reject, and the rest is read.
    { echo "$record"; printf '\000\n'; } >"$work/mixed"
    "$tool" "$work/mixed" >/dev/null 2>"$work/err"
    grep -q "binary data" "$work/err" && fail "JSON lines with one NUL byte refused as binary: $(cat "$work/err")"
    grep -q "$work/mixed:2: " "$work/err" || fail "the NUL line is not rejected: $(cat "$work/err")"
    ;;
  version)
    out=$("$tool" --version) || fail "--version exits $?"
    [[ "$out" =~ ^$name\ \(tracemill\)\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "--version prints '$out'"
    ;;
  bad-flag)
    "$tool" --no-such-flag </dev/null >"$work/out" 2>"$work/err"; rc=$?
    [[ $rc -eq 2 ]] || fail "an unknown flag exits $rc, not 2"
    grep -q "^$name: " "$work/err" || fail "no '$name:' message on stderr"
    [[ ! -s "$work/out" ]] || fail "an unknown flag writes to stdout"
    ;;
  empty-input)
    "$tool" </dev/null >"$work/out" 2>"$work/err"; rc=$?
    [[ $rc -eq 0 ]] || fail "empty input exits $rc: $(cat "$work/err")"
    [[ ! -s "$work/err" ]] || fail "empty input writes to stderr: $(cat "$work/err")"
    ;;
  one-record)
    # Summaries agree in number: "1 record", never "1 records" (nor examples, sessions, ...).
    echo "$record" | "$tool" --summary >/dev/null 2>"$work/err"
    ! grep -nE '(^|[^0-9.,])1 (records|examples|sessions|pairs|findings|lines|messages|groups|rows|calls)\b' "$work/err" ||
      fail "a plural after 1: $(cat "$work/err")"
    ;;
  dev-full)
    [[ -w /dev/full ]] || { echo "no /dev/full"; exit 77; }
    echo "$record" | "$tool" >/dev/full 2>"$work/err"; rc=$?
    [[ $rc -eq 1 ]] || fail "writing to /dev/full exits $rc, not 1"
    grep -q "No space left" "$work/err" || fail "no write error reported: $(cat "$work/err")"
    ;;
  sigpipe)
    # Distinct session ids: the check is about the closed pipe (trace-stats warns about repeated ids).
    for i in $(seq 1 20000); do echo "${record/\"s-1\"/\"s-$i\"}"; done >"$work/in"
    "$tool" <"$work/in" 2>"$work/err" | head -n 1 >/dev/null
    [[ ! -s "$work/err" ]] || fail "a closed pipe gives a message: $(cat "$work/err")"
    ;;
  readme-options)
    [[ -f "$readme" ]] || fail "no manual at $readme"
    missing=""
    for option in $("$tool" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
      grep -q -- "$option" "$readme" || missing="$missing $option"
    done
    [[ -z "$missing" ]] || fail "options missing from $(basename "$(dirname "$readme")")/README.md:$missing"
    ;;
  terminal-stdin)
    command -v script >/dev/null || { echo "no script(1) for a terminal"; exit 77; }
    # Under a pseudo-terminal with no input file, the tool must print usage and exit 2, not wait.
    timeout 10 script -qec "$tool" /dev/null </dev/null >"$work/out" 2>&1; rc=$?
    [[ $rc -eq 2 ]] || fail "stdin on a terminal exits $rc (124 = it waited): $(cat "$work/out")"
    grep -q "Usage: $name" "$work/out" || fail "no usage shown: $(cat "$work/out")"
    ;;
  progress)
    command -v script >/dev/null || { echo "no script(1) for a terminal"; exit 77; }
    for i in $(seq 1 3000); do echo "$record"; done >"$work/in"
    # stderr is a terminal under script(1): the last progress figures stay on screen.
    timeout 20 script -qec "$tool --progress -o /dev/null $work/in" /dev/null </dev/null >"$work/out" 2>&1; rc=$?
    [[ $rc -eq 0 ]] || fail "--progress run exits $rc: $(cat "$work/out")"
    grep -q "$name: .* read, 3,000 records" "$work/out" || fail "no progress line: $(cat -v "$work/out")"
    # A message while the progress line is on screen starts a line of its own (the line is
    # cleared first), never glued to the figures. The pause lets a progress line be drawn.
    timeout 20 script -qec "{ head -2048 $work/in; sleep 0.6; head -1100 $work/in; echo 'not json'; } | $tool --progress -o /dev/null" /dev/null </dev/null >"$work/out" 2>&1
    grep -aq "/s$name: <stdin>" "$work/out" && fail "a message glued to the progress line: $(cat -v "$work/out")"
    grep -aq "$name: <stdin>:3149: " "$work/out" || fail "the rejected line is not reported: $(cat -v "$work/out")"
    "$tool" <"$work/in" >/dev/null 2>"$work/plain"
    "$tool" --progress <"$work/in" >/dev/null 2>"$work/err"
    cmp -s "$work/plain" "$work/err" || fail "--progress adds output to a stderr that is not a terminal"
    ;;
  *) echo "unknown check $check"; exit 2 ;;
esac
echo "ok [$check] $name"
