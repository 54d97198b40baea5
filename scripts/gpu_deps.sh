#!/usr/bin/env bash
# Prepares, on a Debian 12 machine, what the LLM-only build needs on a bare
# GPU machine that has PyTorch (with its LibTorch) but no Debian development
# packages and no network: the header-only and small libraries, extracted
# from Debian's packages into .gpu-deps/ (git-ignored), to be carried there
# with the working tree (scripts/gpu_check.sh uses them).
#
#   scripts/gpu_deps.sh        # -> .gpu-deps/usr/{include,lib,share,bin}; prints its size
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deps="$root/.gpu-deps"
# What each is for: spdlog+fmt (logging), CLI11 (flags), nlohmann-json (JSON),
# Oniguruma (HF tokenizer regexes), ICU (Unicode in the tokenizers), OpenSSL's
# libcrypto (SHA-256), GoogleTest (the CUDA tests), pkgconf (finds Oniguruma).
packages=(libspdlog-dev libspdlog1.1 libfmt-dev libfmt9 libcli11-dev nlohmann-json3-dev
          libonig-dev libonig5 libicu-dev libicu72 libssl-dev libssl3 libgtest-dev
          pkgconf pkgconf-bin libpkgconf3)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download "${packages[@]}" >/dev/null)
rm -rf "$deps"
mkdir -p "$deps"
for deb in "$work"/*.deb; do dpkg -x "$deb" "$deps"; done
# Keep what a build and a run need: headers, shared libraries, CMake and
# pkg-config files, pkgconf. Documentation, static archives (but gtest's) and
# ICU's unused libraries go.
rm -rf "$deps"/usr/share/{doc,man,lintian,bug} "$deps"/usr/lib/x86_64-linux-gnu/libicu{i18n,io,test,tu}*
find "$deps"/usr/lib -name '*.a' ! -name 'libgtest*' ! -name 'libgmock*' -delete
echo "gpu_deps: $(du -sh "$deps" | cut -f1) in $deps (carry it: run(carry=[\".gpu-deps\"]))"
