// The whole metric pipeline on MolT5-small's published predictions, against
// the numbers the reference implementations print on them
// (../shared/reference/molt5/NUMBERS.md) and their per-row values (vectors/).

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>

#include "icma/data/predictions.hpp"
#include "icma/eval/cap2mol.hpp"
#include "icma/eval/meteor.hpp"
#include "icma/eval/mol2cap.hpp"
#include "icma/text/porter_stemmer.hpp"
#include "icma/text/wordnet.hpp"
#include "icma/tokenizer/wordpiece.hpp"
#include "test_support.hpp"

namespace icma::eval {
namespace {

std::string molt5_dir() { return testing::shared_dir() + "/reference/molt5"; }

// "| BLEU-2 | 0.5315019214207913 |" rows of NUMBERS.md, by label.
std::map<std::string, double> reference_numbers() {
  std::ifstream in(molt5_dir() + "/NUMBERS.md");
  const std::regex row(R"(^\|\s*([^|]+?)\s*\|\s*([0-9.]+)\s*\|\s*$)");
  std::map<std::string, double> numbers;
  std::string line;
  std::smatch match;
  while (std::getline(in, line)) {
    if (std::regex_match(line, match, row)) numbers[match[1]] = std::stod(match[2]);
  }
  return numbers;
}

class Molt5Reference : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::file_exists(molt5_dir() + "/NUMBERS.md")) {
      GTEST_SKIP() << "no MolT5 reference files under " << molt5_dir() << " (set ICMA_SHARED_DIR)";
    }
    numbers_ = reference_numbers();
  }
  // The reference value, and the same to the 4 decimals that users compare.
  void expect_reference(const std::string& label, double value) {
    ASSERT_TRUE(numbers_.count(label)) << label << " missing from NUMBERS.md";
    const double expected = numbers_.at(label);
    EXPECT_NEAR(value, expected, 5e-5) << label;
    EXPECT_DOUBLE_EQ(value, expected) << label;
  }
  std::map<std::string, double> numbers_;
};

TEST_F(Molt5Reference, Mol2Cap) {
  const std::string vocab = testing::shared_dir() + "/vocab/scibert_scivocab_uncased/vocab.txt";
  if (!testing::file_exists(testing::wordnet_dir() + "/index.noun")) GTEST_SKIP() << "no WordNet database";
  const auto tokenizer = tokenizer::BertWordPieceTokenizer::from_vocab_file(vocab);
  const text::PorterStemmer stemmer;
  const text::WordNet wordnet = text::WordNet::open(testing::wordnet_dir());
  const Meteor meteor(stemmer, wordnet);
  const data::PredictionFile file =
      data::read_predictions(molt5_dir() + "/molt5-small-smiles2caption.txt", data::Task::mol2cap);
  const Mol2CapScores scores = score_mol2cap(file.rows, tokenizer, meteor, 2);

  // Per row first: a mismatch here points at the row to debug.
  const auto vectors = testing::load_json(molt5_dir() + "/vectors/molt5-small.smiles2caption.rows.json");
  ASSERT_EQ(vectors["rows"].size(), scores.rows.size());
  int meteor_mismatches = 0, rouge_mismatches = 0;
  for (std::size_t i = 0; i < scores.rows.size(); ++i) {
    const auto& expected = vectors["rows"][i];
    if (scores.rows[i].meteor != expected["meteor"].get<double>()) {
      if (++meteor_mismatches <= 5) ADD_FAILURE() << "METEOR differs on line " << file.rows[i].line;
    }
    const RougeScores& rouge = scores.rows[i].rouge;
    if (rouge.rouge1.fmeasure != expected["rouge1_f"].get<double>() ||
        rouge.rouge2.fmeasure != expected["rouge2_f"].get<double>() ||
        rouge.rougeL.fmeasure != expected["rougeL_f"].get<double>()) {
      if (++rouge_mismatches <= 5) ADD_FAILURE() << "ROUGE differs on line " << file.rows[i].line;
    }
  }
  EXPECT_EQ(meteor_mismatches, 0);
  EXPECT_EQ(rouge_mismatches, 0);
  const auto& counts = vectors["summary"]["bleu_counts"];
  for (int n = 0; n < 4; ++n) {
    EXPECT_EQ(scores.bleu_totals.numerators[n], counts["p_numerators"][n].get<std::uint64_t>());
    EXPECT_EQ(scores.bleu_totals.denominators[n], counts["p_denominators"][n].get<std::uint64_t>());
  }

  expect_reference("BLEU-2", scores.bleu2);
  expect_reference("BLEU-4", scores.bleu4);
  expect_reference("ROUGE-1", scores.rouge1);
  expect_reference("ROUGE-2", scores.rouge2);
  expect_reference("ROUGE-L", scores.rougeL);
  expect_reference("METEOR", scores.meteor);
}

TEST_F(Molt5Reference, Cap2Mol) {
  const data::PredictionFile file =
      data::read_predictions(molt5_dir() + "/molt5-small-caption2smiles.txt", data::Task::cap2mol);
  const Cap2MolScores scores = score_cap2mol(file.rows, 2);

  const auto vectors = testing::load_json(molt5_dir() + "/vectors/molt5-small.caption2smiles.rows.json");
  ASSERT_EQ(vectors["rows"].size(), scores.rows.size());
  int mismatches = 0;
  for (std::size_t i = 0; i < scores.rows.size(); ++i) {
    const auto& expected = vectors["rows"][i];
    const Cap2MolRowScores& row = scores.rows[i];
    bool same = row.levenshtein == expected["lev"].get<std::size_t>() &&
                row.output_parses == expected["out_parses"].get<bool>() &&
                row.ground_truth_parses == expected["gt_parses"].get<bool>() &&
                row.exact == expected.value("exact", false);  // rows whose output fails have no "exact"
    if (row.output_parses && row.ground_truth_parses) {
      same = same && row.maccs == expected["maccs"].get<double>() && row.rdk == expected["rdk"].get<double>() &&
             row.morgan == expected["morgan_count"].get<double>();
    }
    if (!same && ++mismatches <= 5) ADD_FAILURE() << "row differs on line " << file.rows[i].line;
  }
  EXPECT_EQ(mismatches, 0);

  expect_reference("BLEU", scores.bleu);
  expect_reference("Exact", scores.exact);
  expect_reference("Levenshtein", scores.levenshtein);
  expect_reference("Validity", scores.validity);
  expect_reference("MACCS FTS", scores.maccs);
  expect_reference("RDK FTS", scores.rdk);
  expect_reference("Morgan FTS", scores.morgan);
}

}  // namespace
}  // namespace icma::eval
