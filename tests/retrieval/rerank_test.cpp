#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <vector>

#include "icma/core/error.hpp"
#include "icma/core/random.hpp"
#include "icma/retrieval/rerank.hpp"

namespace icma::retrieval {
namespace {

// A ranked list of k neighbours: rank i points at row 100 + i, with falling
// scores, so rows() of a selection reads as the ranks chosen (+100).
std::vector<Neighbour> ranked_list(std::size_t k) {
  std::vector<Neighbour> list;
  for (std::size_t i = 0; i < k; ++i) {
    list.push_back(Neighbour{static_cast<std::uint32_t>(100 + i), 1.0 - 0.05 * static_cast<double>(i)});
  }
  return list;
}

// The ranks (0-based) of the selected neighbours.
std::vector<std::size_t> ranks(const std::vector<Neighbour>& selection) {
  std::vector<std::size_t> out;
  for (const auto& neighbour : selection) out.push_back(neighbour.row - 100);
  return out;
}

using Ranks = std::vector<std::size_t>;

// ---- top n ----------------------------------------------------------------------

TEST(RerankTop, TakesTheFirstN) {
  EXPECT_EQ(ranks(select_top(ranked_list(10), 3)), (Ranks{0, 1, 2}));
  EXPECT_EQ(ranks(select_top(ranked_list(10), 10)).size(), 10u);
  EXPECT_EQ(ranks(select_top(ranked_list(3), 5)), (Ranks{0, 1, 2}));  // k < n
  EXPECT_TRUE(select_top(ranked_list(10), 0).empty());
  EXPECT_TRUE(select_top({}, 4).empty());
}

TEST(RerankTop, KeepsScores) {
  const auto chosen = select_top(ranked_list(4), 2);
  EXPECT_EQ(chosen[1].score, 0.95);
}

// ---- random walk ----------------------------------------------------------------

TEST(RerankRandomWalk, ZeroProbabilityTakesTheTopN) {
  for (std::uint64_t stream = 0; stream < 20; ++stream) {
    Rng rng = Rng::for_stream(1, stream);
    EXPECT_EQ(ranks(select_random_walk(ranked_list(10), 4, 0.0, rng)), (Ranks{0, 1, 2, 3}));
  }
}

TEST(RerankRandomWalk, ProbabilityOneSkipsEverythingAndFallsBackToTheTopN) {
  for (std::uint64_t stream = 0; stream < 20; ++stream) {
    Rng rng = Rng::for_stream(1, stream);
    EXPECT_EQ(ranks(select_random_walk(ranked_list(10), 4, 1.0, rng)), (Ranks{0, 1, 2, 3}));
  }
}

TEST(RerankRandomWalk, ShortListGivesEverything) {
  // k < n: whatever is skipped comes back in the fill-up.
  for (const double p : {0.0, 0.5, 1.0}) {
    Rng rng(3);
    EXPECT_EQ(ranks(select_random_walk(ranked_list(3), 5, p, rng)), (Ranks{0, 1, 2}));
  }
}

TEST(RerankRandomWalk, EmptyListAndZeroNGiveNothingAndDrawNothing) {
  Rng rng(8);
  EXPECT_TRUE(select_random_walk({}, 4, 0.5, rng).empty());
  EXPECT_TRUE(select_random_walk(ranked_list(10), 0, 0.5, rng).empty());
  EXPECT_EQ(rng.next(), Rng(8).next());  // the generator was not advanced
}

TEST(RerankRandomWalk, RejectsProbabilitiesOutsideTheUnitInterval) {
  Rng rng(1);
  EXPECT_THROW(select_random_walk(ranked_list(10), 4, -0.1, rng), InputError);
  EXPECT_THROW(select_random_walk(ranked_list(10), 4, 1.5, rng), InputError);
  EXPECT_THROW(select_random_walk(ranked_list(10), 4, std::numeric_limits<double>::quiet_NaN(), rng), InputError);
}

TEST(RerankRandomWalk, SameSeedAndStreamGiveTheSameChoice) {
  for (std::uint64_t stream = 0; stream < 50; ++stream) {
    Rng a = Rng::for_stream(42, stream);
    Rng b = Rng::for_stream(42, stream);
    EXPECT_EQ(ranks(select_random_walk(ranked_list(10), 4, 0.5, a)),
              ranks(select_random_walk(ranked_list(10), 4, 0.5, b)));
  }
}

TEST(RerankRandomWalk, DifferentStreamsChooseDifferently) {
  std::set<Ranks> distinct;
  for (std::uint64_t stream = 0; stream < 50; ++stream) {
    Rng rng = Rng::for_stream(42, stream);
    distinct.insert(ranks(select_random_walk(ranked_list(10), 4, 0.5, rng)));
  }
  // C(10,4) = 210 possible choices; 50 streams hitting only a few would mean
  // the streams are not independent.
  EXPECT_GT(distinct.size(), 20u);
}

TEST(RerankRandomWalk, ResultIsNDistinctEntriesInRankOrder) {
  for (std::uint64_t stream = 0; stream < 500; ++stream) {
    Rng rng = Rng::for_stream(7, stream);
    const Ranks chosen = ranks(select_random_walk(ranked_list(10), 4, 0.8, rng));
    ASSERT_EQ(chosen.size(), 4u);
    for (std::size_t i = 1; i < chosen.size(); ++i) ASSERT_LT(chosen[i - 1], chosen[i]);
  }
}

TEST(RerankRandomWalk, MatchesAStepByStepModelOfTheRule) {
  // The rule spelled out: one draw per visited entry, skip when the draw
  // says so, stop at n taken; then fill from the skipped ones, best first.
  // A copy of the generator replays the same draws.
  const auto list = ranked_list(10);
  for (std::uint64_t stream = 0; stream < 200; ++stream) {
    Rng rng = Rng::for_stream(11, stream);
    Rng replay = rng;
    const Ranks chosen = ranks(select_random_walk(list, 5, 0.7, rng));

    std::vector<bool> taken(10, false);
    std::size_t count = 0;
    for (std::size_t rank = 0; rank < 10 && count < 5; ++rank) {
      if (!replay.chance(0.7)) {
        taken[rank] = true;
        ++count;
      }
    }
    for (std::size_t rank = 0; rank < 10 && count < 5; ++rank) {
      if (!taken[rank]) {
        taken[rank] = true;
        ++count;
      }
    }
    Ranks expected;
    for (std::size_t rank = 0; rank < 10; ++rank) {
      if (taken[rank]) expected.push_back(rank);
    }
    ASSERT_EQ(chosen, expected) << "stream " << stream;
    ASSERT_EQ(rng.next(), replay.next()) << "same number of draws, stream " << stream;
  }
}

TEST(RerankRandomWalk, SkipsEachEntryWithProbabilityP) {
  // n = 1, p = 0.5, k = 10: the walk takes rank r with probability 0.5^(r+1),
  // and rank 0 also when all 10 are skipped (0.5^10, the fill-up). Over
  // 20000 seeded streams the frequencies are within 0.02 (> 5 standard errors).
  constexpr int trials = 20000;
  std::vector<int> counts(10, 0);
  for (int t = 0; t < trials; ++t) {
    Rng rng = Rng::for_stream(5, static_cast<std::uint64_t>(t));
    ++counts[ranks(select_random_walk(ranked_list(10), 1, 0.5, rng)).at(0)];
  }
  EXPECT_NEAR(counts[0] / double(trials), 0.5 + std::pow(0.5, 10), 0.02);
  EXPECT_NEAR(counts[1] / double(trials), 0.25, 0.02);
  EXPECT_NEAR(counts[2] / double(trials), 0.125, 0.02);
}

// ---- buckets --------------------------------------------------------------------
// Expected ranks worked out by hand from the definition: step = floor((k -
// start) / n), ranks start, start + step, ... until n are taken. These are
// definitions, not values taken from a reference implementation.

TEST(RerankBuckets, EvenlySpacedRanks) {
  // k=10, start=0, n=3: step = floor(10/3) = 3 -> 0, 3, 6.
  EXPECT_EQ(ranks(select_buckets(ranked_list(10), 3, 0)), (Ranks{0, 3, 6}));
  // k=10, start=0, n=4: step = floor(10/4) = 2 -> 0, 2, 4, 6.
  EXPECT_EQ(ranks(select_buckets(ranked_list(10), 4, 0)), (Ranks{0, 2, 4, 6}));
  // k=10, start=1, n=4: step = floor(9/4) = 2 -> 1, 3, 5, 7.
  EXPECT_EQ(ranks(select_buckets(ranked_list(10), 4, 1)), (Ranks{1, 3, 5, 7}));
  // k=10, start=3, n=2: step = floor(7/2) = 3 -> 3, 6.
  EXPECT_EQ(ranks(select_buckets(ranked_list(10), 2, 3)), (Ranks{3, 6}));
  // k=10, start=0, n=1: step = 10 -> 0.
  EXPECT_EQ(ranks(select_buckets(ranked_list(10), 1, 0)), (Ranks{0}));
  // k=10, start=1, n=1: step = 9 -> 1.
  EXPECT_EQ(ranks(select_buckets(ranked_list(10), 1, 1)), (Ranks{1}));
  // k=7, start=0, n=2: step = floor(7/2) = 3 -> 0, 3.
  EXPECT_EQ(ranks(select_buckets(ranked_list(7), 2, 0)), (Ranks{0, 3}));
}

TEST(RerankBuckets, StepOneIsTheTopNFromStart) {
  // k=10, start=0, n=6: step = floor(10/6) = 1 -> 0..5.
  EXPECT_EQ(ranks(select_buckets(ranked_list(10), 6, 0)), (Ranks{0, 1, 2, 3, 4, 5}));
  // k=10, start=0, n=10: step = 1 -> everything.
  EXPECT_EQ(ranks(select_buckets(ranked_list(10), 10, 0)), (Ranks{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  // k=10, start=2, n=8: step = 1 -> 2..9.
  EXPECT_EQ(ranks(select_buckets(ranked_list(10), 8, 2)), (Ranks{2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(RerankBuckets, FewerRanksThanNTakesAllFromStart) {
  // k - start < n: floor((k - start)/n) = 0 (the official code divides by
  // zero); defined here as step 1, i.e. every rank from start on.
  EXPECT_EQ(ranks(select_buckets(ranked_list(5), 7, 0)), (Ranks{0, 1, 2, 3, 4}));
  EXPECT_EQ(ranks(select_buckets(ranked_list(10), 4, 8)), (Ranks{8, 9}));
}

TEST(RerankBuckets, NothingToTake) {
  EXPECT_TRUE(select_buckets(ranked_list(10), 0, 0).empty());   // n = 0
  EXPECT_TRUE(select_buckets(ranked_list(10), 3, 10).empty());  // start = k
  EXPECT_TRUE(select_buckets(ranked_list(10), 3, 12).empty());  // start > k
  EXPECT_TRUE(select_buckets({}, 3, 0).empty());                // empty list
}

// ---- reversal -------------------------------------------------------------------

TEST(RerankReverse, PutsTheMostSimilarLast) {
  EXPECT_EQ(ranks(reverse_for_prompt(select_top(ranked_list(10), 3))), (Ranks{2, 1, 0}));
  EXPECT_EQ(ranks(reverse_for_prompt(select_buckets(ranked_list(10), 3, 0))), (Ranks{6, 3, 0}));
  EXPECT_EQ(ranks(reverse_for_prompt(select_top(ranked_list(10), 1))), (Ranks{0}));
  EXPECT_TRUE(reverse_for_prompt({}).empty());
}

TEST(RerankReverse, KeepsEntriesIntact) {
  const auto prompt_order = reverse_for_prompt(select_top(ranked_list(10), 2));
  EXPECT_EQ(prompt_order.back().row, 100u);
  EXPECT_EQ(prompt_order.back().score, 1.0);
  EXPECT_EQ(prompt_order.front().score, 0.95);
}

}  // namespace
}  // namespace icma::retrieval
