#!/usr/bin/env bash
# Installs what tracemill needs to build, test and benchmark, from Debian's packages only.
# Idempotent: installs nothing when everything is present. Needs root (or sudo) to install.
#   scripts/install-deps.sh           build + test dependencies
#   scripts/install-deps.sh --bench   also the tools compared in bench/ (jq, Miller, hyperfine, ...)
#   scripts/install-deps.sh --fuzz    also clang and libFuzzer (libclang-rt-14-dev) for scripts/fuzz.sh
set -euo pipefail
packages=(cmake g++ make pkg-config rapidjson-dev libcli11-dev libzstd-dev zlib1g-dev libsqlite3-dev
          libgtest-dev libbenchmark-dev libre2-dev libssl-dev libpcre2-dev libboost-math-dev libzip-dev libxxhash-dev zstd gzip python3
          bsdutils parallel ccache
          # the speed regression guard (bench/guard.sh): instruction counts under callgrind
          valgrind
          # the install test: man -l on the pages, cpack's .deb (dpkg-shlibdeps reads what the tools link)
          man-db groff-base dpkg-dev file
          # the html test: trace-stats' HTML report laid out in headless Chromium
          chromium)
[[ ${1:-} == --bench ]] && packages+=(jq miller hyperfine time python3-numpy)
[[ ${1:-} == --fuzz ]] && packages+=(clang libclang-rt-14-dev)
# Node.js and npm (DuckDB from npm for the DuckDB export and its test): Debian's packages only
# when the commands are absent, since a machine may have them from elsewhere (nodesource's
# nodejs bundles npm and conflicts with Debian's npm package).
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
here=$(cd "$(dirname "$0")" && pwd)
# The tokenizer's rank files: the npm package tiktoken, pinned in scripts/tiktoken/package.json,
# installed beside it (the build's default --vocab-dir); the tests also run it by node as the
# reference. After the Debian packages, which may bring node and npm.
install_vocabulary() {
  [[ -f $here/tiktoken/node_modules/tiktoken/encoders/o200k_base.json ]] && return 0
  echo "install-deps: installing the npm package tiktoken into scripts/tiktoken"
  (cd "$here/tiktoken" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
}
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  install_vocabulary
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
[[ $(id -u) -eq 0 ]] || sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_vocabulary
echo "install-deps: done"
