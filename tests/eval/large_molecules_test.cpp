// Bounded time per molecule in Cap2Mol scoring: a huge output SMILES is
// scored in seconds (it took 75 s: stereo perception and a 2D layout of
// 3,000 atoms), with the same metrics as without the shortcuts, and the rows
// the atom cap decided are counted.

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "icma/chem/inchi.hpp"
#include "icma/eval/cap2mol.hpp"

namespace icma::eval {
namespace {

std::string repeated(const std::string& unit, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += unit;
  return out;
}

TEST(LargeMolecules, AFiveHundredRingSmilesIsScoredInUnderTwoSeconds) {
  const std::vector<data::Prediction> rows = {{"a caption", "CCO", repeated("c1ccccc1", 500), 2},
                                              {"a caption", "CCO", repeated("C1CC1", 500), 3},
                                              {"a caption", "CCO", "CCO", 4}};
  const auto started = std::chrono::steady_clock::now();
  const Cap2MolScores scores = score_cap2mol(rows, 1);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), 2.0);
  EXPECT_DOUBLE_EQ(scores.validity, 1.0);
  EXPECT_FALSE(scores.rows[0].exact);
  EXPECT_FALSE(scores.rows[1].exact);
  EXPECT_TRUE(scores.rows[2].exact);
  EXPECT_EQ(scores.exact_capped_rows, 0u);  // told apart by their atoms, exactly
  ASSERT_TRUE(scores.rows[0].maccs.has_value());
  EXPECT_LT(*scores.rows[0].morgan, 0.5);
}

TEST(LargeMolecules, PairsOnlyAnInchiCouldTellApartAboveTheCapAreCounted) {
  const int atoms = static_cast<int>(chem::kLayoutCapAtoms) + 50;
  const std::string chain(static_cast<std::size_t>(atoms), 'C');
  // The same chain written another way: the same molecule, another string.
  const std::string branched_spelling = "C(" + std::string(static_cast<std::size_t>(atoms) - 2, 'C') + ")C";
  const std::vector<data::Prediction> rows = {{"x", chain, chain, 2}, {"x", chain, branched_spelling, 3}};
  const Cap2MolScores scores = score_cap2mol(rows, 1);
  EXPECT_TRUE(scores.rows[0].exact);  // identical strings: the same molecule, no InChI needed
  EXPECT_FALSE(scores.rows[0].exact_capped);
  EXPECT_FALSE(scores.rows[1].exact);  // capped: counted, not laid out
  EXPECT_TRUE(scores.rows[1].exact_capped);
  EXPECT_EQ(scores.exact_capped_rows, 1u);
}

TEST(LargeMolecules, OpenBabelMakesNoInchiAboveTheLimit) {
  // What lets molecules over kInchiMaxAtoms skip InChI (and their layout).
  const auto at_limit = chem::Molecule::from_smiles(std::string(chem::kInchiMaxAtoms, 'C'));
  const auto over = chem::Molecule::from_smiles(std::string(chem::kInchiMaxAtoms + 1, 'C'));
  EXPECT_EQ(chem::standard_inchi(*at_limit).rfind("InChI=1S/C1023H2048/", 0), 0u);
  EXPECT_EQ(chem::standard_inchi(*over), "");
}

}  // namespace
}  // namespace icma::eval
