// MACCS, RDK and Morgan-count Tanimoto against python3-rdkit as MolT5's
// fingerprint_metrics.py calls it (fixture: tests/reference/make_chem_fixtures.py).

#include "icma/chem/molt5_fingerprints.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "chem_fixture.hpp"

namespace icma::chem {
namespace {

TEST(Fingerprints, TanimotoMatchesRdkitPython) {
  int compared = 0;
  for (const auto& pair : testing::chem_fixture()["pairs"]) {
    if (!pair.contains("maccs")) continue;  // one side does not parse
    const std::string a = pair["a"]["smiles"];
    const std::string b = pair["b"]["smiles"];
    const auto mol_a = Molecule::from_smiles(a);
    const auto mol_b = Molecule::from_smiles(b);
    ASSERT_TRUE(mol_a && mol_b) << a << " / " << b;
    const FingerprintSimilarity similarity =
        molt5_similarity(molt5_fingerprints(*mol_a), molt5_fingerprints(*mol_b));
    // The same integers divided the same way: equal to the last bit.
    EXPECT_EQ(similarity.maccs, pair["maccs"].get<double>()) << "'" << a << "' / '" << b << "'";
    EXPECT_EQ(similarity.rdk, pair["rdk"].get<double>()) << "'" << a << "' / '" << b << "'";
    EXPECT_EQ(similarity.morgan_count, pair["morgan_count"].get<double>()) << "'" << a << "' / '" << b << "'";
    EXPECT_EQ(maccs_tanimoto(*mol_a, *mol_b), similarity.maccs);
    EXPECT_EQ(rdk_tanimoto(*mol_a, *mol_b), similarity.rdk);
    EXPECT_EQ(morgan_count_tanimoto(*mol_a, *mol_b), similarity.morgan_count);
    ++compared;
  }
  EXPECT_GT(compared, 100);
}

TEST(Fingerprints, SizesAreRdkits) {
  const auto aspirin = Molecule::from_smiles("CC(=O)Oc1ccccc1C(=O)O");
  ASSERT_TRUE(aspirin);
  EXPECT_EQ(maccs_fingerprint(*aspirin).size(), 167u);
  EXPECT_EQ(rdk_fingerprint(*aspirin).size(), 2048u);
  EXPECT_GT(maccs_fingerprint(*aspirin).count(), 0u);
  EXPECT_GT(morgan_count_fingerprint(*aspirin).size(), 0u);
}

TEST(Fingerprints, EmptyMoleculeEdgeCasesFollowRdkit) {
  // RDKit: two empty bit vectors are identical (1.0); two empty count
  // vectors have similarity 0.0.
  const auto empty = Molecule::from_smiles("");
  ASSERT_TRUE(empty);
  const MolT5Fingerprints none = molt5_fingerprints(*empty);
  EXPECT_EQ(none.maccs.count(), 0u);
  EXPECT_EQ(none.rdk.count(), 0u);
  EXPECT_EQ(none.morgan.size(), 0u);
  const FingerprintSimilarity self = molt5_similarity(none, none);
  EXPECT_EQ(self.maccs, 1.0);
  EXPECT_EQ(self.rdk, 1.0);
  EXPECT_EQ(self.morgan_count, 0.0);
}

TEST(Fingerprints, BitFingerprintBasics) {
  BitFingerprint bits(130);
  EXPECT_EQ(bits.words().size(), 3u);
  bits.set(0);
  bits.set(64);
  bits.set(129);
  EXPECT_TRUE(bits.test(129));
  EXPECT_FALSE(bits.test(128));
  EXPECT_EQ(bits.count(), 3u);
  EXPECT_THROW(bits.set(130), std::out_of_range);

  BitFingerprint other(130);
  other.set(64);
  EXPECT_DOUBLE_EQ(tanimoto(bits, other), 1.0 / 3.0);
  EXPECT_THROW(tanimoto(bits, BitFingerprint(167)), std::invalid_argument);
}

TEST(Fingerprints, CountTanimotoUsesMinOverSums) {
  const CountFingerprint a({{1, 2}, {5, 1}, {9, 4}});
  const CountFingerprint b({{1, 1}, {9, 4}, {12, 3}});
  // min: 1 + 4 = 5; sums 7 and 8; 5 / (7 + 8 - 5)
  EXPECT_EQ(tanimoto(a, b), 0.5);
  EXPECT_EQ(tanimoto(a, a), 1.0);
  EXPECT_EQ(tanimoto(a, CountFingerprint()), 0.0);
  EXPECT_THROW(CountFingerprint({{3, 1}, {2, 1}}), std::invalid_argument);
  EXPECT_THROW(CountFingerprint({{3, 0}}), std::invalid_argument);
}

}  // namespace
}  // namespace icma::chem
