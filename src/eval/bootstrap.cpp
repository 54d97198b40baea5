#include "icma/eval/bootstrap.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace icma::eval {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<std::size_t> all_rows(std::size_t rows) {
  std::vector<std::size_t> selection(rows);
  for (std::size_t i = 0; i < rows; ++i) selection[i] = i;
  return selection;
}

Interval interval_of(std::vector<double> values, double level) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }),
               values.end());
  if (values.empty()) return {kNaN, kNaN};
  const double tail = (1.0 - level) / 2.0 * 100.0;
  const double low = percentile(values, tail);
  return {low, percentile(values, 100.0 - tail)};
}

}  // namespace

double percentile(std::vector<double>& values, double q) {
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  const double position = q / 100.0 * static_cast<double>(values.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, values.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return values[below] + (values[above] - values[below]) * fraction;
}

std::vector<std::vector<std::size_t>> bootstrap_resamples(std::size_t rows, const BootstrapOptions& options) {
  std::mt19937_64 engine(options.seed);
  std::vector<std::vector<std::size_t>> resamples(options.samples, std::vector<std::size_t>(rows));
  for (std::vector<std::size_t>& resample : resamples) {
    for (std::size_t& row : resample) {
      // Multiply-shift: the high 64 bits of a 64x64 product, uniform in [0, rows) up to a bias of rows / 2^64.
      row = static_cast<std::size_t>((static_cast<unsigned __int128>(engine()) * rows) >> 64);
    }
  }
  return resamples;
}

std::vector<Interval> bootstrap_intervals(std::size_t rows, const MetricsOfRows& metrics,
                                          const BootstrapOptions& options) {
  const std::size_t count = metrics(all_rows(rows)).size();
  std::vector<std::vector<double>> values(count);
  for (const std::vector<std::size_t>& resample : bootstrap_resamples(rows, options)) {
    const std::vector<double> sample = metrics(resample);
    for (std::size_t m = 0; m < count; ++m) values[m].push_back(sample[m]);
  }
  std::vector<Interval> intervals;
  for (std::vector<double>& metric_values : values) intervals.push_back(interval_of(std::move(metric_values), options.level));
  return intervals;
}

std::vector<PairedComparison> paired_bootstrap(std::size_t rows, const MetricsOfRows& ours,
                                               const MetricsOfRows& theirs, const BootstrapOptions& options) {
  const std::vector<std::size_t> everything = all_rows(rows);
  const std::vector<double> ours_all = ours(everything);
  const std::vector<double> theirs_all = theirs(everything);
  const std::size_t count = ours_all.size();
  std::vector<std::vector<double>> differences(count);
  for (const std::vector<std::size_t>& resample : bootstrap_resamples(rows, options)) {
    const std::vector<double> a = ours(resample);
    const std::vector<double> b = theirs(resample);
    for (std::size_t m = 0; m < count; ++m) {
      if (std::isfinite(a[m]) && std::isfinite(b[m])) differences[m].push_back(a[m] - b[m]);
    }
  }
  std::vector<PairedComparison> comparisons(count);
  for (std::size_t m = 0; m < count; ++m) {
    PairedComparison& comparison = comparisons[m];
    comparison.difference = ours_all[m] - theirs_all[m];
    std::vector<double>& sampled = differences[m];
    if (sampled.empty() || !std::isfinite(comparison.difference)) {
      comparison.interval = {kNaN, kNaN};
      comparison.p_value = kNaN;
      continue;
    }
    double mean = 0.0;
    for (double d : sampled) mean += d;
    mean /= static_cast<double>(sampled.size());
    std::size_t as_extreme = 0;
    for (double d : sampled) as_extreme += std::abs(d - mean) >= std::abs(comparison.difference) ? 1 : 0;
    comparison.p_value = static_cast<double>(1 + as_extreme) / static_cast<double>(1 + sampled.size());
    comparison.interval = interval_of(std::move(sampled), options.level);
  }
  return comparisons;
}

}  // namespace icma::eval
