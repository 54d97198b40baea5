#!/usr/bin/env bash
# The GPU checks, on a bare CUDA machine with PyTorch, Transformers and PEFT
# but no Debian development packages and no network. Needs .gpu-deps/ from
# scripts/gpu_deps.sh carried along. In one command of under 10 minutes:
#   1. builds the LLM-only configuration (-DICMA_CHEMISTRY=OFF) against the
#      LibTorch inside the installed PyTorch;
#   2. runs the C++ tests that need CUDA or LibTorch >= 2.1 (bf16 logits on
#      CUDA against the float32 reference, SDPA against eager attention) and
#      the CPU ones of the same areas;
#   3. runs tests/reference/gpu_parity.py: `icma-generate score` on CUDA against
#      Transformers' own log-probabilities for the five fixture architectures,
#      and LoRA adapters both ways with PEFT (ours loaded by PeftModel, PEFT's
#      loaded by icma).
# Results go to $OUT (or results/gpu/): build.log, ctest.log, parity.json, summary.md.
#
#   scripts/gpu_check.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${OUT:-$root/results/gpu}"
mkdir -p "$out"
deps="$root/.gpu-deps"
[[ -d "$deps/usr/include" ]] || { echo "gpu_check: no .gpu-deps/ (run scripts/gpu_deps.sh where Debian is, and carry it)" >&2; exit 2; }
python="${PYTHON:-python3}"
torch_prefix="$("$python" -c 'import torch; print(torch.utils.cmake_prefix_path)')"
torch_lib="$("$python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"
multiarch="$deps/usr/lib/x86_64-linux-gnu"
export PATH="$deps/usr/bin:$PATH"
export PKG_CONFIG_PATH="$multiarch/pkgconfig:$deps/usr/share/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$deps"
export PKG_CONFIG_LIBDIR="$multiarch/pkgconfig:$deps/usr/share/pkgconfig"
export LD_LIBRARY_PATH="$multiarch:$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
{
  "$python" -c 'import torch, transformers, peft; print("torch", torch.__version__, "cuda", torch.version.cuda, "| transformers", transformers.__version__, "| peft", peft.__version__)'
  nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
} | tee "$out/summary.md"

echo "gpu_check: building (LLM-only, LibTorch from $torch_prefix)"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B build-gpu "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DICMA_CHEMISTRY=OFF \
  -DCMAKE_PREFIX_PATH="$torch_prefix;$deps/usr" -DICU_ROOT="$deps/usr" -DOPENSSL_ROOT_DIR="$deps/usr" \
  -DGTest_DIR="$multiarch/cmake/GTest" > "$out/build.log" 2>&1
cmake --build build-gpu --parallel "$(nproc)" >> "$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }

echo "gpu_check: C++ tests"
(cd build-gpu && ctest --output-on-failure -R 'LogitsParity|MixedPrecision|GradientCheckpointing|Generation|Training|SentenceReference' \
  > "$out/ctest.log" 2>&1) || true
grep -E "tests passed|bf16 on CUDA|loss after|on CUDA: max" "$out/ctest.log" | tee -a "$out/summary.md" || true
grep -h "bf16 on CUDA\|loss after" build-gpu/Testing/Temporary/LastTest.log >> "$out/summary.md" 2>/dev/null || true

echo "gpu_check: parity with Transformers and PEFT"
"$python" tests/reference/gpu_parity.py --bin build-gpu/bin --out "$out" | tee -a "$out/summary.md"
echo "gpu_check: results in $out"
