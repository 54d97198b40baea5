// Every row of the reference per-row values for MolT5-small's Cap2Mol
// predictions (shared/reference/molt5/vectors/molt5-small.caption2smiles.rows.json,
// see NUMBERS.md): parse flags, Levenshtein, standard InChIs, exact match and
// the three fingerprint similarities must all come out identical.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "icma/chem/molt5_fingerprints.hpp"
#include "icma/chem/inchi.hpp"
#include "icma/chem/molecule.hpp"
#include "icma/core/utf8.hpp"
#include "icma/eval/levenshtein.hpp"
#include "test_support.hpp"

namespace icma::chem {
namespace {

struct RowResult {
  std::size_t lev = 0;
  bool out_parses = false;
  bool gt_parses = false;
  // Set when both parse, as in the reference.
  std::string inchi_out;
  std::string inchi_gt;
  FingerprintSimilarity similarity;
};

RowResult score_row(const std::string& gt, const std::string& out) {
  RowResult result;
  result.lev = eval::levenshtein(utf8::decode(out), utf8::decode(gt));
  const auto out_mol = Molecule::from_smiles(out);
  const auto gt_mol = Molecule::from_smiles(gt);
  result.out_parses = out_mol.has_value();
  result.gt_parses = gt_mol.has_value();
  if (out_mol && gt_mol) {
    result.inchi_out = standard_inchi(*out_mol);
    result.inchi_gt = standard_inchi(*gt_mol);
    result.similarity = molt5_similarity(molt5_fingerprints(*out_mol), molt5_fingerprints(*gt_mol));
  }
  return result;
}

TEST(MolT5Cap2MolRows, EveryRowMatchesTheReference) {
  const std::string path =
      testing::shared_dir() + "/reference/molt5/vectors/molt5-small.caption2smiles.rows.json";
  if (!testing::file_exists(path)) GTEST_SKIP() << "no reference vectors at " << path;
  const auto rows = testing::load_json(path)["rows"];
  ASSERT_EQ(rows.size(), 3300u);

  std::vector<std::string> gts;
  std::vector<std::string> outs;
  for (const auto& row : rows) {
    gts.push_back(row["gt"]);
    outs.push_back(row["out"]);
  }

  // Two threads: the RDKit work runs in parallel, Open Babel's one at a time.
  constexpr int kThreads = 2;
  std::vector<RowResult> results(rows.size());
  icma::testing::run_concurrently(kThreads, [&](int t) {
    for (std::size_t i = t; i < rows.size(); i += kThreads) results[i] = score_row(gts[i], outs[i]);
  });

  std::size_t both_parse = 0;
  std::size_t exact = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& expected = rows[i];
    const RowResult& got = results[i];
    const std::string where = "row " + std::to_string(i) + ": gt '" + gts[i] + "' out '" + outs[i] + "'";
    EXPECT_EQ(got.lev, expected["lev"].get<std::size_t>()) << where;
    EXPECT_EQ(got.out_parses, expected["out_parses"].get<bool>()) << where;
    EXPECT_EQ(got.gt_parses, expected["gt_parses"].get<bool>()) << where;
    if (!expected.contains("inchi_out")) continue;  // one side does not parse
    ++both_parse;
    EXPECT_EQ(got.inchi_out, expected["inchi_out"].get<std::string>()) << where;
    EXPECT_EQ(got.inchi_gt, expected["inchi_gt"].get<std::string>()) << where;
    const bool got_exact = got.inchi_out == got.inchi_gt;
    exact += got_exact ? 1 : 0;
    EXPECT_EQ(got_exact, expected["exact"].get<bool>()) << where;
    EXPECT_EQ(got.similarity.maccs, expected["maccs"].get<double>()) << where;
    EXPECT_EQ(got.similarity.rdk, expected["rdk"].get<double>()) << where;
    EXPECT_EQ(got.similarity.morgan_count, expected["morgan_count"].get<double>()) << where;
  }
  EXPECT_EQ(both_parse, 2391u);
  // NUMBERS.md: exact match 0.08151515151515151 = 269 / 3300.
  EXPECT_EQ(exact, 269u);
}

}  // namespace
}  // namespace icma::chem
