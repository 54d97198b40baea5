#pragma once
// Bootstrap statistics for the field's metrics, which none of its tools
// report: a 95% confidence interval per metric, and a paired test between two
// systems scored on the same test rows.
//
// A resample draws as many rows as the test set has, with replacement, and
// recomputes each metric from the drawn rows' per-row scores as the metric
// itself is defined: corpus BLEU from the summed n-gram counts of the drawn
// rows, means over the drawn rows' values. So an interval is the spread of
// the metric over test sets like this one, not of a per-row average.
//
//   - interval: the percentile method (the 2.5th and 97.5th percentiles of
//     the resampled values, linear interpolation between order statistics,
//     numpy.percentile's default);
//   - paired test: both systems are scored on the same resamples; the p-value
//     is sacreBLEU's paired bootstrap (after Koehn 2004): the share of
//     resampled differences whose distance from their own mean is at least the
//     observed difference, (1 + count) / (1 + samples), two-sided.
//
// Resamples come from a 64-bit Mersenne Twister seeded with `seed`, drawing
// indices by multiply-shift (no implementation-defined distribution), so the
// same seed gives the same intervals on every platform.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace icma::eval {

// Metric values for a selection of rows (indices into the test set, repeats
// allowed), always in the same order.
using MetricsOfRows = std::function<std::vector<double>(const std::vector<std::size_t>& rows)>;

struct BootstrapOptions {
  std::size_t samples = 1000;
  std::uint64_t seed = 42;
  double level = 0.95;
};

struct Interval {
  double low = 0.0;
  double high = 0.0;
};

// Which rows each resample draws: `samples` vectors of `rows` indices.
std::vector<std::vector<std::size_t>> bootstrap_resamples(std::size_t rows, const BootstrapOptions& options);

// A confidence interval per metric. A resample where a metric is not finite
// (a mean over no rows) is left out of that metric's interval; NaN when none is finite.
std::vector<Interval> bootstrap_intervals(std::size_t rows, const MetricsOfRows& metrics,
                                          const BootstrapOptions& options);

struct PairedComparison {
  double difference = 0.0;  // this system's value minus the other's, on all rows
  Interval interval;        // of the difference
  double p_value = 1.0;     // two-sided; 1 when the systems agree on every resample
};

// One comparison per metric, `ours` against `theirs` on the same rows.
std::vector<PairedComparison> paired_bootstrap(std::size_t rows, const MetricsOfRows& ours,
                                               const MetricsOfRows& theirs, const BootstrapOptions& options);

// numpy.percentile(values, q) with linear interpolation, q in [0, 100]; sorts `values`.
double percentile(std::vector<double>& values, double q);

}  // namespace icma::eval
