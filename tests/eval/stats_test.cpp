// numpy.mean and math.fsum reproductions (fixture: tests/reference/make_eval_fixtures.py).

#include <gtest/gtest.h>

#include <cmath>

#include "icma/eval/stats.hpp"
#include "test_support.hpp"

namespace icma::eval {
namespace {

TEST(NumpyMean, MatchesNumpyBitForBit) {
  const auto fixture = testing::load_json(testing::fixture_path("eval_reference.json"));
  for (const auto& item : fixture["numpy_mean"]) {
    const auto values = item["values"].get<std::vector<double>>();
    EXPECT_EQ(numpy_mean(values), item["mean"].get<double>()) << values.size() << " values";
  }
}

TEST(NumpyMean, EmptyIsNan) { EXPECT_TRUE(std::isnan(numpy_mean({}))); }

TEST(PythonFsum, MatchesMathFsum) {
  const auto fixture = testing::load_json(testing::fixture_path("eval_reference.json"));
  for (const auto& item : fixture["fsum"]) {
    EXPECT_EQ(python_fsum(item["values"].get<std::vector<double>>()), item["fsum"].get<double>());
  }
}

TEST(PythonFsum, IsExactWhereNaiveSumIsNot) {
  EXPECT_EQ(python_fsum({1e100, 1.0, -1e100}), 1.0);
  EXPECT_EQ(python_fsum(std::vector<double>(10, 0.1)), 1.0);
  EXPECT_EQ(python_fsum({}), 0.0);
}

}  // namespace
}  // namespace icma::eval
