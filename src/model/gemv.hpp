#pragma once
// y = W x (+ b) for one input row in float32: the product every generation
// step at batch 1 spends its time in. Private to src/model.
//
// Why our own: it is bound by reading W from memory, and the BLAS LibTorch
// links may not use the machine's vector units (Debian's OpenBLAS falls back
// to its SSE3 "Prescott" kernels on CPUs it does not recognise, such as
// virtual machines reporting a generic Xeon). This kernel uses AVX2 + FMA
// when the CPU has them (checked at run time), streams four rows of W at a
// time, and splits the rows over LibTorch's threads.

#include <torch/types.h>

namespace icma::model::detail {

// True when the fast kernel can run here (x86-64 with AVX2 and FMA).
bool fast_gemv_available();

// weight: float32 [out, in], contiguous; x: float32, `in` contiguous values;
// bias: undefined or float32 [out]. Returns float32 [out].
torch::Tensor fast_gemv(const torch::Tensor& weight, const torch::Tensor& x, const torch::Tensor& bias);

}  // namespace icma::model::detail
