#!/usr/bin/env bash
# Installs what tracemill needs to build, test and benchmark, from Debian's packages only.
# Idempotent: installs nothing when everything is present. Needs root (or sudo) to install.
#   scripts/install-deps.sh           build + test dependencies
#   scripts/install-deps.sh --bench   also the tools compared in bench/ (jq, Miller, hyperfine, ...)
set -euo pipefail
packages=(cmake g++ make pkg-config rapidjson-dev libcli11-dev libzstd-dev zlib1g-dev libsqlite3-dev
          libgtest-dev libbenchmark-dev zstd gzip python3 bsdutils nodejs npm parallel)
[[ ${1:-} == --bench ]] && packages+=(jq miller hyperfine time)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
[[ $(id -u) -eq 0 ]] || sudo=sudo
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
