#pragma once
// The reference scripts average with numpy and sum logarithms with Python's
// math.fsum; both round differently from a naive loop, and the last digits of
// the published numbers depend on it. These reproduce them bit for bit.

#include <vector>

namespace icma::eval {

// numpy's np.mean of a float64 array: pairwise summation (blocks of 128 with
// eight accumulators, as numpy's pairwise_sum) divided by the count.
// Returns NaN for an empty input, as numpy does.
double numpy_mean(const std::vector<double>& values);

// numpy's pairwise sum on its own.
double numpy_sum(const double* values, std::size_t count);

// Python's math.fsum: the correctly rounded sum (Shewchuk's algorithm with
// round-half-even on the last partial).
double python_fsum(const std::vector<double>& values);

}  // namespace icma::eval
