#!/usr/bin/env bash
# What an installation gives, checked as a user would use it (docs/install.md).
#   check_install.sh prefix BUILD SOURCE   cmake --install into a scratch prefix; every tool's
#                                          --version, man -l on every page, man by name, the bash
#                                          completions, and a project using libstream through
#                                          find_package(libstream) and through pkg-config
#   check_install.sh deb BUILD SOURCE      cpack's .deb files: their dependencies, then extracted
#                                          with dpkg-deb -x into a scratch root and checked as above
#   check_install.sh negative-control BUILD SOURCE
#                                          the prefix check on an install missing one man page
#                                          must fail, and name that page
set -euo pipefail
mode=$1 build=$(cd "$2" && pwd) source=$(cd "$3" && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/tracemill-install.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export LC_ALL=C.UTF-8 MANWIDTH=80

fail() { echo "check_install: $*" >&2; exit 1; }

tools=()
for dir in "$source"/tools/trace-*/; do tools+=("$(basename "$dir")"); done
[[ ${#tools[@]} -gt 0 ]] || fail "no tools under $source/tools"

# check_tree PREFIX: the tools, pages and completions under PREFIX (usr, or the install prefix).
check_tree() {
  local prefix=$1 tool page out
  for tool in "${tools[@]}"; do
    [[ -x $prefix/bin/$tool ]] || fail "$prefix/bin/$tool: not installed"
    out=$("$prefix/bin/$tool" --version) || fail "$tool --version failed"
    [[ $out == "$tool (tracemill) "* ]] || fail "$tool --version printed '$out'"
    page=$prefix/share/man/man1/$tool.1
    [[ -f $page ]] || fail "$page: no man page"
    # man -l renders the very file; its NAME line must name the tool.
    out=$(man -l "$page" 2>/dev/null) || fail "man -l $page failed"
    grep -q "^ *$tool - " <<<"$out" || fail "man -l $page: no NAME line for $tool"
    grep -q "^OPTIONS" <<<"$out" || fail "man -l $page: no OPTIONS section"
    [[ -f $prefix/share/zsh/vendor-completions/_$tool ]] || fail "no zsh completion for $tool"
    head -1 "$prefix/share/zsh/vendor-completions/_$tool" | grep -qx "#compdef $tool" ||
      fail "zsh completion for $tool: no #compdef line"
    [[ -f $prefix/share/fish/vendor_completions.d/$tool.fish ]] || fail "no fish completion for $tool"
    if command -v zsh >/dev/null; then zsh -n "$prefix/share/zsh/vendor-completions/_$tool" || fail "zsh -n: $tool"; fi
    if command -v fish >/dev/null; then fish -n "$prefix/share/fish/vendor_completions.d/$tool.fish" || fail "fish -n: $tool"; fi
    check_bash_completion "$prefix/share/bash-completion/completions/$tool" "$tool"
  done
  page=$prefix/share/man/man5/trace-v1.5
  [[ -f $page ]] || fail "$page: no man page"
  # Pages are captured whole, not piped to grep -q (which would stop man early: pipefail).
  out=$(man -l "$page" 2>/dev/null) || fail "man -l $page failed"
  grep -q "^ *trace-v1 - the session record" <<<"$out" || fail "man -l $page: no NAME line"
  # By name, as `man trace-read` finds it once PREFIX/share/man is on the manual path.
  out=$(man -M "$prefix/share/man" trace-read 2>/dev/null) || fail "man -M $prefix/share/man trace-read failed"
  grep -q "^SYNOPSIS" <<<"$out" || fail "man -M $prefix/share/man trace-read: no SYNOPSIS"
  out=$(man -M "$prefix/share/man" 5 trace-v1 2>/dev/null) || fail "man -M $prefix/share/man 5 trace-v1 failed"
  grep -q "trace/v1" <<<"$out" || fail "man -M $prefix/share/man 5 trace-v1: not the page"
  # The tokenizer's vocabularies, when the build had them (scripts/install-deps.sh installs them).
  if [[ -f $source/scripts/tiktoken/node_modules/tiktoken/encoders/o200k_base.json ]]; then
    [[ -f $prefix/share/tracemill/tiktoken/o200k_base.json ]] || fail "no installed o200k_base.json"
    out=$(printf '{"messages":[{"role":"user","content":"hello world"}]}\n' |
          TRACE_VOCAB_DIR=$prefix/share/tracemill/tiktoken "$prefix/bin/trace-tokens" --totals -q 2>&1) ||
      fail "trace-tokens with the installed vocabularies: $out"
  fi
}

# check_bash_completion FILE TOOL: sourced, it registers a completion that completes options
# and the values of an option with choices.
check_bash_completion() {
  local file=$1 tool=$2
  [[ -f $file ]] || fail "$file: no bash completion"
  bash --norc --noprofile -c '
    set -e
    source "$1"
    complete -p "$2" | grep -q -- "-F _"
    fn=$(complete -p "$2" | sed -E "s/.*-F ([^ ]+).*/\1/")
    COMP_WORDS=("$2" --vers); COMP_CWORD=1; "$fn"
    [[ " ${COMPREPLY[*]} " == *" --version "* ]] || { echo "--vers completes to: ${COMPREPLY[*]}" >&2; exit 1; }
    COMP_WORDS=("$2" --on-error f); COMP_CWORD=2; "$fn"
    [[ "${COMPREPLY[*]}" == fail ]] || { echo "--on-error f completes to: ${COMPREPLY[*]}" >&2; exit 1; }
  ' check "$file" "$tool" || fail "bash completion $file does not work"
}

# check_library PREFIX: a project outside the tree builds against the installed libstream.
check_library() {
  local prefix=$1 input=$scratch/input.ndjson out
  printf '{"a": 1}\n{"b":2}\n' >"$input"
  cmake -S "$source/tests/install/consumer" -B "$scratch/consumer" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$prefix" >"$scratch/consumer.log" 2>&1 || { cat "$scratch/consumer.log" >&2; fail "find_package(libstream) failed"; }
  cmake --build "$scratch/consumer" >>"$scratch/consumer.log" 2>&1 || { cat "$scratch/consumer.log" >&2; fail "building against libstream::libstream failed"; }
  out=$("$scratch/consumer/count_records" "$input")
  [[ $out == '2 {"a":1}' ]] || fail "the find_package consumer printed '$out'"
  local flags
  flags=$(PKG_CONFIG_PATH=$(dirname "$(find "$prefix" -name libstream.pc | head -1)") pkg-config --cflags --libs libstream) ||
    fail "pkg-config libstream failed"
  # shellcheck disable=SC2086  # the flags are words
  c++ -std=c++17 -O0 -o "$scratch/count_records_pc" "$source/tests/install/consumer/count_records.cpp" $flags ||
    fail "building with pkg-config's flags ($flags) failed"
  out=$("$scratch/count_records_pc" "$input")
  [[ $out == '2 {"a":1}' ]] || fail "the pkg-config consumer printed '$out'"
}

install_prefix() {
  cmake --install "$build" --prefix "$scratch/prefix" >"$scratch/install.log" 2>&1 ||
    { cat "$scratch/install.log" >&2; fail "cmake --install failed"; }
}

case $mode in
  prefix)
    install_prefix
    check_tree "$scratch/prefix"
    check_library "$scratch/prefix"
    echo "check_install: ${#tools[@]} tools, their man pages and completions, and libstream installed and working"
    ;;
  deb)
    command -v dpkg-deb >/dev/null || { echo "check_install: no dpkg-deb: skipped"; exit 77; }
    (cd "$build" && cpack -G DEB -B "$scratch/packages" >"$scratch/cpack.log" 2>&1) ||
      { cat "$scratch/cpack.log" >&2; fail "cpack -G DEB failed"; }
    tools_deb=$(ls "$scratch"/packages/tracemill_*.deb) || fail "no tracemill .deb"
    dev_deb=$(ls "$scratch"/packages/libstream-dev_*.deb) || fail "no libstream-dev .deb"
    depends=$(dpkg-deb -f "$tools_deb" Depends)
    echo "check_install: $(basename "$tools_deb") depends on: $depends"
    for package in libc6 libstdc++6 libzstd1 zlib1g libsqlite3-0 libre2 libssl libpcre2-8 libzip; do
      [[ $depends == *"$package"* ]] || fail "$(basename "$tools_deb"): Depends lacks $package"
    done
    mkdir "$scratch/root"
    dpkg-deb -x "$tools_deb" "$scratch/root"
    check_tree "$scratch/root/usr"
    # lib/ or lib/<multiarch>/, as GNUInstallDirs chose for the configured prefix. The listing
    # is read whole: grep -q on the pipe would stop dpkg-deb with SIGPIPE (a failure, pipefail).
    listing=$(dpkg-deb -c "$dev_deb")
    for file in 'usr/include/libstream/cli\.hpp' 'usr/lib/([a-z0-9_-]+/)?libstream\.a' \
                'usr/lib/([a-z0-9_-]+/)?cmake/libstream/libstreamConfig\.cmake' \
                'usr/lib/([a-z0-9_-]+/)?pkgconfig/libstream\.pc'; do
      grep -qE " \./$file\$" <<<"$listing" || fail "$(basename "$dev_deb") lacks /$file"
    done
    echo "check_install: $(basename "$tools_deb") and $(basename "$dev_deb") built; the tools run from the extracted package"
    ;;
  negative-control)
    install_prefix
    rm "$scratch/prefix/share/man/man1/trace-read.1"
    if out=$( (check_tree "$scratch/prefix") 2>&1); then
      fail "negative control: the check passed an install without trace-read.1"
    fi
    [[ $out == *"trace-read.1: no man page"* ]] || fail "negative control: failed for another reason: $out"
    echo "check_install: negative control: an install without trace-read.1 is refused ($out)"
    ;;
  *) fail "unknown mode $mode" ;;
esac
