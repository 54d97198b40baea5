#include "icma/eval/stats.hpp"

#include <cmath>
#include <limits>

namespace icma::eval {

double numpy_sum(const double* a, std::size_t n) {
  constexpr std::size_t kBlock = 128;  // numpy's PW_BLOCKSIZE
  if (n < 8) {
    double sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) sum += a[i];
    return sum;
  }
  if (n <= kBlock) {
    double r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    }
    double sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) sum += a[i];
    return sum;
  }
  // Split in two, keeping the first half a multiple of the unroll factor.
  std::size_t half = n / 2;
  half -= half % 8;
  return numpy_sum(a, half) + numpy_sum(a + half, n - half);
}

double numpy_mean(const std::vector<double>& values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  return numpy_sum(values.data(), values.size()) / static_cast<double>(values.size());
}

double python_fsum(const std::vector<double>& values) {
  // Keep a list of non-overlapping partial sums whose exact total is the
  // exact total of the inputs (Shewchuk, "Adaptive Precision Floating-Point
  // Arithmetic"), then round it once, as CPython's math_fsum does.
  std::vector<double> partials;
  for (double x : values) {
    std::size_t kept = 0;
    for (double y : partials) {
      if (std::fabs(x) < std::fabs(y)) std::swap(x, y);
      const double high = x + y;
      const double low = y - (high - x);
      if (low != 0.0) partials[kept++] = low;
      x = high;
    }
    partials.resize(kept);
    partials.push_back(x);
  }
  if (partials.empty()) return 0.0;

  std::size_t n = partials.size();
  double high = partials[--n];
  double low = 0.0;
  while (n > 0) {
    const double x = high;
    const double y = partials[--n];
    high = x + y;
    low = y - (high - x);
    if (low != 0.0) break;
  }
  // Round half to even: if the rest of the partials push the same way as
  // `low`, the exact sum lies beyond the half-way point.
  if (n > 0 && ((low < 0.0 && partials[n - 1] < 0.0) || (low > 0.0 && partials[n - 1] > 0.0))) {
    const double y = low * 2.0;
    const double x = high + y;
    if (y == x - high) high = x;
  }
  return high;
}

}  // namespace icma::eval
