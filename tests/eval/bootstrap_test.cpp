// Bootstrap intervals and the paired test (eval/bootstrap.hpp). No tool of
// the field reports these, so there is no reference implementation to match:
// these tests check the definitions on cases whose answers are known.

#include "icma/eval/bootstrap.hpp"

#include <cmath>
#include <numeric>

#include <gtest/gtest.h>

namespace icma::eval {
namespace {

// The mean of per-row values, as the METEOR and ROUGE means are computed.
MetricsOfRows mean_of(const std::vector<double>& values) {
  return [&values](const std::vector<std::size_t>& rows) {
    double sum = 0.0;
    for (std::size_t row : rows) sum += values[row];
    return std::vector<double>{sum / static_cast<double>(rows.size())};
  };
}

TEST(Bootstrap, PercentileInterpolatesAsNumpy) {
  // numpy.percentile([1, 2, 3, 4], q) for q = 0, 25, 50, 97.5, 100.
  std::vector<double> values = {4, 1, 3, 2};
  EXPECT_DOUBLE_EQ(percentile(values, 0), 1.0);
  EXPECT_DOUBLE_EQ(percentile(values, 25), 1.75);
  EXPECT_DOUBLE_EQ(percentile(values, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile(values, 97.5), 3.925);
  EXPECT_DOUBLE_EQ(percentile(values, 100), 4.0);
  std::vector<double> one = {7};
  EXPECT_DOUBLE_EQ(percentile(one, 2.5), 7.0);
}

TEST(Bootstrap, ResamplesAreSeededAndInRange) {
  const BootstrapOptions options{50, 7};
  const auto first = bootstrap_resamples(13, options);
  EXPECT_EQ(first, bootstrap_resamples(13, options));
  EXPECT_NE(first, bootstrap_resamples(13, BootstrapOptions{50, 8}));
  ASSERT_EQ(first.size(), 50u);
  std::vector<int> seen(13, 0);
  for (const auto& resample : first) {
    ASSERT_EQ(resample.size(), 13u);
    for (std::size_t row : resample) {
      ASSERT_LT(row, 13u);
      ++seen[row];
    }
  }
  // 650 draws over 13 rows: every row drawn, none far from 50 times.
  for (int count : seen) {
    EXPECT_GT(count, 20);
    EXPECT_LT(count, 90);
  }
}

TEST(Bootstrap, ConstantRowsGiveAPointInterval) {
  const std::vector<double> values(40, 0.25);
  const auto intervals = bootstrap_intervals(values.size(), mean_of(values), {200, 1});
  ASSERT_EQ(intervals.size(), 1u);
  EXPECT_DOUBLE_EQ(intervals[0].low, 0.25);
  EXPECT_DOUBLE_EQ(intervals[0].high, 0.25);
}

TEST(Bootstrap, IntervalOfAMeanHasTheNormalWidth) {
  // Half the rows 0, half 1: the mean is 0.5 with standard error 0.5 / sqrt(n);
  // the 95% interval is about 0.5 +- 1.96 * 0.5 / sqrt(400) = [0.451, 0.549].
  std::vector<double> values(400);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i % 2);
  const auto intervals = bootstrap_intervals(values.size(), mean_of(values), {2000, 3});
  EXPECT_NEAR(intervals[0].low, 0.451, 0.01);
  EXPECT_NEAR(intervals[0].high, 0.549, 0.01);
  EXPECT_LT(intervals[0].low, 0.5);
  EXPECT_GT(intervals[0].high, 0.5);
}

TEST(Bootstrap, NonFiniteResamplesAreLeftOut) {
  // A mean over the rows that have a value (as the fingerprint means): NaN
  // when a resample draws none of them.
  const MetricsOfRows sparse = [](const std::vector<std::size_t>& rows) {
    double sum = 0.0;
    std::size_t count = 0;
    for (std::size_t row : rows) {
      if (row == 0) {
        sum += 1.0;
        ++count;
      }
    }
    return std::vector<double>{count == 0 ? std::nan("") : sum / static_cast<double>(count)};
  };
  const auto intervals = bootstrap_intervals(3, sparse, {300, 5});
  EXPECT_DOUBLE_EQ(intervals[0].low, 1.0);
  EXPECT_DOUBLE_EQ(intervals[0].high, 1.0);
}

TEST(PairedBootstrap, IdenticalSystemsAreNotDifferent) {
  std::vector<double> values(100);
  std::iota(values.begin(), values.end(), 0.0);
  const auto comparisons = paired_bootstrap(values.size(), mean_of(values), mean_of(values), {500, 2});
  ASSERT_EQ(comparisons.size(), 1u);
  EXPECT_DOUBLE_EQ(comparisons[0].difference, 0.0);
  EXPECT_DOUBLE_EQ(comparisons[0].p_value, 1.0);
  EXPECT_DOUBLE_EQ(comparisons[0].interval.low, 0.0);
  EXPECT_DOUBLE_EQ(comparisons[0].interval.high, 0.0);
}

TEST(PairedBootstrap, AConsistentGainIsSignificantAndANoisyOneIsNot) {
  // Ours beats theirs by 0.1 on every row: p is the smallest the resamples allow.
  std::vector<double> theirs(200), ours(200), noisy(200);
  for (std::size_t i = 0; i < theirs.size(); ++i) {
    theirs[i] = static_cast<double>(i % 10) / 10.0;
    ours[i] = theirs[i] + 0.1;
    // +-0.5 around theirs, mean difference 0.005: no evidence of a gain.
    noisy[i] = theirs[i] + (i % 2 == 0 ? 0.5 : -0.49);
  }
  const BootstrapOptions options{1000, 4};
  const auto gain = paired_bootstrap(theirs.size(), mean_of(ours), mean_of(theirs), options);
  EXPECT_NEAR(gain[0].difference, 0.1, 1e-12);
  EXPECT_DOUBLE_EQ(gain[0].p_value, 1.0 / 1001.0);
  EXPECT_NEAR(gain[0].interval.low, 0.1, 1e-12);
  EXPECT_NEAR(gain[0].interval.high, 0.1, 1e-12);

  const auto noise = paired_bootstrap(theirs.size(), mean_of(noisy), mean_of(theirs), options);
  EXPECT_NEAR(noise[0].difference, 0.005, 1e-12);
  EXPECT_GT(noise[0].p_value, 0.5);
  EXPECT_LT(noise[0].interval.low, 0.0);
  EXPECT_GT(noise[0].interval.high, 0.0);
}

TEST(PairedBootstrap, SignOfTheDifferenceIsOursMinusTheirs) {
  std::vector<double> low(60, 0.2), high(60, 0.7);
  high[0] = 0.6;  // not constant, so resamples vary
  const auto comparisons = paired_bootstrap(low.size(), mean_of(low), mean_of(high), {300, 9});
  EXPECT_LT(comparisons[0].difference, -0.49);
  EXPECT_LT(comparisons[0].interval.high, 0.0);
  EXPECT_LT(comparisons[0].p_value, 0.01);
}

}  // namespace
}  // namespace icma::eval
