#include "gemv.hpp"

#include <ATen/Parallel.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace icma::model::detail {
namespace {

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) float horizontal_sum(__m256 v) {
  const __m128 low = _mm256_castps256_ps128(v);
  const __m128 high = _mm256_extractf128_ps(v, 1);
  __m128 sum = _mm_add_ps(low, high);
  sum = _mm_add_ps(sum, _mm_movehl_ps(sum, sum));
  sum = _mm_add_ss(sum, _mm_shuffle_ps(sum, sum, 0x55));
  return _mm_cvtss_f32(sum);
}

// Rows [begin, end) of y = W x: four rows share each load of x.
__attribute__((target("avx2,fma"))) void gemv_rows(const float* w, const float* x, float* y, int64_t in,
                                                   int64_t begin, int64_t end) {
  const int64_t vector_end = in - in % 8;
  int64_t row = begin;
  for (; row + 4 <= end; row += 4) {
    const float* r0 = w + row * in;
    const float* r1 = r0 + in;
    const float* r2 = r1 + in;
    const float* r3 = r2 + in;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    for (int64_t i = 0; i < vector_end; i += 8) {
      const __m256 xv = _mm256_loadu_ps(x + i);
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(r0 + i), xv, a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(r1 + i), xv, a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(r2 + i), xv, a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(r3 + i), xv, a3);
    }
    float s0 = horizontal_sum(a0), s1 = horizontal_sum(a1), s2 = horizontal_sum(a2), s3 = horizontal_sum(a3);
    for (int64_t i = vector_end; i < in; ++i) {
      s0 += r0[i] * x[i];
      s1 += r1[i] * x[i];
      s2 += r2[i] * x[i];
      s3 += r3[i] * x[i];
    }
    y[row] = s0;
    y[row + 1] = s1;
    y[row + 2] = s2;
    y[row + 3] = s3;
  }
  for (; row < end; ++row) {
    const float* r = w + row * in;
    __m256 a = _mm256_setzero_ps();
    for (int64_t i = 0; i < vector_end; i += 8) a = _mm256_fmadd_ps(_mm256_loadu_ps(r + i), _mm256_loadu_ps(x + i), a);
    float s = horizontal_sum(a);
    for (int64_t i = vector_end; i < in; ++i) s += r[i] * x[i];
    y[row] = s;
  }
}
#endif

}  // namespace

bool fast_gemv_available() {
#if defined(__x86_64__)
  static const bool available = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return available;
#else
  return false;
#endif
}

torch::Tensor fast_gemv(const torch::Tensor& weight, const torch::Tensor& x, const torch::Tensor& bias) {
  const int64_t out = weight.size(0);
  const int64_t in = weight.size(1);
  torch::Tensor y = torch::empty({out}, weight.options());
#if defined(__x86_64__)
  const torch::Tensor input = x.contiguous();
  const float* w = weight.data_ptr<float>();
  const float* v = input.data_ptr<float>();
  float* result = y.data_ptr<float>();
  // Blocks of rows big enough to amortise a thread's start (a multiple of 4).
  at::parallel_for(0, out, 256, [&](int64_t begin, int64_t end) { gemv_rows(w, v, result, in, begin, end); });
  if (bias.defined()) y.add_(bias);
#endif
  return y;
}

}  // namespace icma::model::detail
