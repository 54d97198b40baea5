#!/usr/bin/env bash
# Sets up (installs what is missing, builds) and runs the whole test suite.
# Tests read the shared reference data from $ICMA_SHARED_DIR (default: ../shared
# beside the repository); tests that need it are skipped when it is absent.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BUILD_DIR:-$root/build}"

"$root/scripts/setup.sh"
cd "$build_dir"
# ctest runs test binaries side by side; one OpenMP thread each keeps LibTorch's
# thread teams from spinning against each other for the same cores.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
ctest --output-on-failure --parallel "$(nproc)" "$@"
