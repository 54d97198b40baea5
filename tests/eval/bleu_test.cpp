// BLEU against NLTK 3.8's corpus_bleu (fixture: tests/reference/make_eval_fixtures.py).

#include <gtest/gtest.h>

#include <map>

#include "icma/eval/bleu.hpp"
#include "test_support.hpp"

namespace icma::eval {
namespace {

std::vector<std::uint32_t> ids(const std::vector<std::string>& tokens, std::map<std::string, std::uint32_t>& vocab) {
  std::vector<std::uint32_t> out;
  for (const std::string& token : tokens) out.push_back(vocab.emplace(token, vocab.size()).first->second);
  return out;
}

TEST(Bleu, MatchesNltkCorpusBleu) {
  const auto fixture = testing::load_json(testing::fixture_path("eval_reference.json"));
  for (const auto& corpus : fixture["bleu"]) {
    BleuCounts totals;
    for (const auto& row : corpus["rows"]) {
      std::map<std::string, std::uint32_t> vocab;
      const auto reference = ids(row["reference"].get<std::vector<std::string>>(), vocab);
      const auto hypothesis = ids(row["hypothesis"].get<std::vector<std::string>>(), vocab);
      totals += bleu_counts(reference, hypothesis);
    }
    const std::string name = corpus["name"];
    EXPECT_EQ(corpus_bleu(totals, {0.5, 0.5}), corpus["bleu2"].get<double>()) << name;
    EXPECT_EQ(corpus_bleu(totals, {0.25, 0.25, 0.25, 0.25}), corpus["bleu4"].get<double>()) << name;
  }
}

TEST(Bleu, ClipsCountsToTheReference) {
  // "the" appears 7 times in the hypothesis but twice in the reference.
  const BleuCounts counts = bleu_counts({1, 2, 1}, {1, 1, 1, 1, 1, 1, 1});
  EXPECT_EQ(counts.numerators[0], 2u);
  EXPECT_EQ(counts.denominators[0], 7u);
  EXPECT_EQ(counts.numerators[1], 0u);
  EXPECT_EQ(counts.denominators[3], 4u);
}

TEST(Bleu, EmptyHypothesisCountsOneInEachDenominator) {
  const BleuCounts counts = bleu_counts({1, 2, 3}, {});
  for (int n = 0; n < kMaxBleuOrder; ++n) {
    EXPECT_EQ(counts.numerators[n], 0u);
    EXPECT_EQ(counts.denominators[n], 1u);  // NLTK's max(1, count)
  }
  EXPECT_EQ(counts.reference_length, 3u);
}

TEST(Bleu, ZeroOnlyWithoutUnigramMatches) {
  BleuCounts totals = bleu_counts({1, 2, 3, 4}, {4, 3, 2, 1});
  EXPECT_GT(corpus_bleu(totals, {0.25, 0.25, 0.25, 0.25}), 0.0);  // tiny, not zero
  EXPECT_EQ(corpus_bleu(bleu_counts({1, 2}, {3, 4}), {0.5, 0.5}), 0.0);
}

}  // namespace
}  // namespace icma::eval
