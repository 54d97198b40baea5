// ROUGE against rouge_score's per-row F-measures stored with the MolT5
// reference files (fixture: tests/reference/make_eval_fixtures.py).

#include <gtest/gtest.h>

#include "icma/eval/rouge.hpp"
#include "test_support.hpp"

namespace icma::eval {
namespace {

using Tokens = std::vector<std::string>;

TEST(RougeTokenize, KeepsLowercaseAlphanumericRuns) {
  EXPECT_EQ(rouge_tokenize("The 3beta-hydroxy-4,4-dimethyl STEROID."),
            (Tokens{"the", "3beta", "hydroxy", "4", "4", "dimethyl", "steroid"}));
  EXPECT_EQ(rouge_tokenize(""), Tokens{});
  EXPECT_EQ(rouge_tokenize(" -- "), Tokens{});
  // Non-ASCII letters separate tokens...
  EXPECT_EQ(rouge_tokenize("caf\xC3\xA9 \xCE\xB1-helix"), (Tokens{"caf", "helix"}));
  // ...except the two whose Python lowercase is ASCII: KELVIN SIGN -> "k",
  // and U+0130 -> "i" + a combining dot, which ends the token.
  EXPECT_EQ(rouge_tokenize("\xE2\x84\xAA" "elvin"), (Tokens{"kelvin"}));
  EXPECT_EQ(rouge_tokenize("\xC4\xB0stanbul"), (Tokens{"i", "stanbul"}));
}

TEST(Rouge, SmallCases) {
  const RougeScores same = rouge_score("a b c", "a b c");
  EXPECT_EQ(same.rouge1.fmeasure, 1.0);
  EXPECT_EQ(same.rouge2.fmeasure, 1.0);
  EXPECT_EQ(same.rougeL.fmeasure, 1.0);

  const RougeScores partial = rouge_score("a b c d", "a c e");
  EXPECT_DOUBLE_EQ(partial.rouge1.precision, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(partial.rouge1.recall, 2.0 / 4.0);
  EXPECT_EQ(partial.rouge2.fmeasure, 0.0);
  EXPECT_DOUBLE_EQ(partial.rougeL.recall, 2.0 / 4.0);  // LCS "a c"

  const RougeScores empty = rouge_score("", "a b");
  EXPECT_EQ(empty.rouge1.fmeasure, 0.0);
  EXPECT_EQ(empty.rougeL.fmeasure, 0.0);
}

TEST(Rouge, MatchesRougeScoreOnReferenceRows) {
  const auto fixture = testing::load_json(testing::fixture_path("eval_reference.json"));
  ASSERT_FALSE(fixture["rouge"].empty());
  for (const auto& row : fixture["rouge"]) {
    // MolT5's script calls scorer.score(output, ground_truth).
    const RougeScores scores = rouge_score(row["output"].get<std::string>(), row["ground_truth"].get<std::string>());
    EXPECT_EQ(scores.rouge1.fmeasure, row["rouge1_f"].get<double>()) << row["output"];
    EXPECT_EQ(scores.rouge2.fmeasure, row["rouge2_f"].get<double>()) << row["output"];
    EXPECT_EQ(scores.rougeL.fmeasure, row["rougeL_f"].get<double>()) << row["output"];
  }
}

}  // namespace
}  // namespace icma::eval
