#!/usr/bin/env bash
# Installs icma's build dependencies from Debian 12 packages (only what is
# missing; `apt-get update` first), then configures and builds into build/.
#
#   scripts/setup.sh                # Release build in build/
#   BUILD_DIR=out scripts/setup.sh  # another build directory
#   SKIP_APT=1 scripts/setup.sh     # build only (dependencies already there)
#   SKIP_BUILD=1 scripts/setup.sh   # install the packages only
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$root/build}"

# What each package is for: see third_party/README.md.
packages=(
  build-essential cmake ninja-build pkg-config git
  librdkit-dev libboost-dev libopenbabel-dev libicu-dev libsentencepiece-dev liblucene++-dev libssl-dev libonig-dev
  nlohmann-json3-dev libcli11-dev libspdlog-dev libgtest-dev
  libtorch-dev libgloo-dev libopenblas0-openmp libgoogle-perftools-dev wordnet-base
  python3 gnuplot-nox curl
)

if [[ "${SKIP_APT:-0}" != 1 ]]; then
  missing=()
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    sudo=""
    [[ "$(id -u)" == 0 ]] || sudo="sudo"
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
  fi
fi

[[ "${SKIP_BUILD:-0}" == 1 ]] && exit 0
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$root" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}"
cmake --build "$build_dir" --parallel "$(nproc)"
echo "setup: built into $build_dir (commands in $build_dir/bin)"
