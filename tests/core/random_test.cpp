#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <vector>

#include "icma/core/random.hpp"
#include "test_support.hpp"

namespace icma {
namespace {

TEST(Rng, IsTheStandardMersenneTwister) {
  // The C++ standard fixes the 10000th output of a default-seeded
  // mt19937_64 ([rand.predef]); 5489 is the default seed.
  Rng rng(5489);
  for (int i = 0; i < 9999; ++i) rng.next();
  EXPECT_EQ(rng.next(), 9981545732273789042ULL);
}

TEST(Rng, UniformIsPinnedAcrossPlatforms) {
  // The first mt19937_64(5489) output is 14514284786278117030; uniform()
  // must be (x >> 11) * 2^-53 of it on every standard library
  // (value computed with Python: (x >> 11) * 2.0**-53).
  Rng rng(5489);
  EXPECT_EQ(rng.uniform(), 0.7868209548678019);
}

TEST(Rng, SplitMix64MatchesTheReferenceOutput) {
  // The first output of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
  EXPECT_EQ(splitmix64(0), 0xE220A8397B1DCDAFULL);
}

TEST(Rng, SameSeedGivesTheSameSequence) {
  Rng a(42);
  Rng b(42);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.next(), b.next());
  EXPECT_NE(Rng(42).next(), Rng(43).next());
}

TEST(Rng, StreamsAreReproducibleAndDistinct) {
  Rng a = Rng::for_stream(7, 3);
  Rng b = Rng::for_stream(7, 3);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(a.next(), b.next());

  // Neighbouring streams and seeds start differently.
  std::set<std::uint64_t> first_draws;
  for (std::uint64_t stream = 0; stream < 1000; ++stream) {
    first_draws.insert(Rng::for_stream(7, stream).next());
  }
  EXPECT_EQ(first_draws.size(), 1000u);
  EXPECT_NE(Rng::for_stream(7, 0).next(), Rng::for_stream(8, 0).next());
}

TEST(Rng, StreamsDoNotDependOnThreadScheduling) {
  // Each work item draws from its own stream, so running the items on 8
  // threads at once gives what a sequential loop gives.
  constexpr int items = 64;
  std::vector<std::uint64_t> sequential(items);
  for (int i = 0; i < items; ++i) {
    Rng rng = Rng::for_stream(2024, static_cast<std::uint64_t>(i));
    for (int d = 0; d < 100; ++d) sequential[i] ^= rng.next();
  }
  std::vector<std::uint64_t> parallel(items);
  icma::testing::run_concurrently(8, [&](int thread) {
    for (int i = thread; i < items; i += 8) {
      Rng rng = Rng::for_stream(2024, static_cast<std::uint64_t>(i));
      for (int d = 0; d < 100; ++d) parallel[i] ^= rng.next();
    }
  });
  EXPECT_EQ(parallel, sequential);
}

TEST(Rng, UniformIsInTheUnitIntervalWithTheRightMoments) {
  // Deterministic given the seed; the bounds are > 5 standard errors wide.
  Rng rng(123);
  constexpr int draws = 100000;
  double sum = 0.0;
  double sum_squares = 0.0;
  for (int i = 0; i < draws; ++i) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
    sum_squares += u * u;
  }
  const double mean = sum / draws;
  const double variance = sum_squares / draws - mean * mean;
  EXPECT_NEAR(mean, 0.5, 0.005);             // standard error 0.0009
  EXPECT_NEAR(variance, 1.0 / 12.0, 0.002);  // standard error 0.0003
}

TEST(Rng, BelowIsInRangeAndRoughlyUniform) {
  Rng rng(99);
  constexpr int draws = 100000;
  std::vector<int> counts(10, 0);
  for (int i = 0; i < draws; ++i) {
    const std::uint64_t value = rng.below(10);
    ASSERT_LT(value, 10u);
    ++counts[value];
  }
  for (const int count : counts) EXPECT_NEAR(count, draws / 10, 500);  // sd 95

  for (int i = 0; i < 100; ++i) EXPECT_EQ(rng.below(1), 0u);
  // A bound just above 2^63 rejects about half of all draws; still in range.
  const std::uint64_t huge = (1ULL << 63) + 1;
  for (int i = 0; i < 100; ++i) EXPECT_LT(rng.below(huge), huge);
  EXPECT_THROW(rng.below(0), std::invalid_argument);
}

TEST(Rng, ChanceAtTheEndsIsCertain) {
  Rng rng(5);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_FALSE(rng.chance(0.0));
    ASSERT_TRUE(rng.chance(1.0));
  }
}

}  // namespace
}  // namespace icma
