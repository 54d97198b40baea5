// Standard InChI (RDKit molblock -> Open Babel 3.1.1) against the same
// pipeline in python (fixture: tests/reference/make_chem_fixtures.py).

#include "icma/chem/inchi.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "chem_fixture.hpp"

namespace icma::chem {
namespace {

struct Case {
  std::string smiles;
  std::string inchi;
};

std::vector<Case> parsable_fixture_molecules() {
  std::vector<Case> cases;
  for (const auto& molecule : testing::chem_fixture_molecules()) {
    if (molecule["parses"].get<bool>()) cases.push_back({molecule["smiles"], molecule["inchi"]});
  }
  return cases;
}

TEST(Inchi, MatchesPybelOnRdkitMolblocks) {
  for (const Case& expected : parsable_fixture_molecules()) {
    const auto molecule = Molecule::from_smiles(expected.smiles);
    ASSERT_TRUE(molecule) << expected.smiles;
    EXPECT_EQ(standard_inchi(*molecule), expected.inchi) << "'" << expected.smiles << "'";
  }
}

TEST(Inchi, EmptyWhenOpenBabelMakesNone) {
  EXPECT_EQ(standard_inchi(*Molecule::from_smiles("")), "");
  EXPECT_EQ(standard_inchi(*Molecule::from_smiles("*C")), "");
  EXPECT_EQ(standard_inchi_from_molblock(""), "");
  EXPECT_EQ(standard_inchi_from_molblock("not a molblock\n"), "");
}

TEST(Inchi, WarningsDoNotReachTheTerminal) {
  ::testing::internal::CaptureStderr();
  ::testing::internal::CaptureStdout();
  // "Omitted undefined stereo", "Proton(s) added/removed", an unknown element
  EXPECT_EQ(standard_inchi(*Molecule::from_smiles("CC(N)C(=O)[O-]")),
            "InChI=1S/C3H7NO2/c1-2(4)3(5)6/h2H,4H2,1H3,(H,5,6)/p-1");
  EXPECT_EQ(standard_inchi(*Molecule::from_smiles("C1CC1*")), "");
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

TEST(Inchi, SameAnswersFromSeveralThreads) {
  const std::vector<Case> cases = parsable_fixture_molecules();
  constexpr int kThreads = 4;
  std::vector<std::vector<std::string>> results(kThreads);
  icma::testing::run_concurrently(kThreads, [&cases, &results](int t) {
    // Each thread walks the list from a different starting point, so that
    // different molecules are in flight at the same time.
    results[t].resize(cases.size());
    for (std::size_t k = 0; k < cases.size(); ++k) {
      const std::size_t i = (k + t * cases.size() / kThreads) % cases.size();
      results[t][i] = standard_inchi(*Molecule::from_smiles(cases[i].smiles));
    }
  });
  for (int t = 0; t < kThreads; ++t) {
    for (std::size_t i = 0; i < cases.size(); ++i) {
      EXPECT_EQ(results[t][i], cases[i].inchi) << "thread " << t << ": " << cases[i].smiles;
    }
  }
}

}  // namespace
}  // namespace icma::chem

namespace icma::chem {
namespace {

// The shortcut must agree with comparing the reference InChI strings, for
// every pair of fixture molecules (most pairs differ in formula and take the
// shortcut; tautomers, stereoisomers, dummies and the empty molecule do not).
TEST(SameStandardInchi, AgreesWithComparingReferenceInchis) {
  std::vector<Case> cases = parsable_fixture_molecules();
  std::vector<Molecule> molecules;
  for (const Case& c : cases) molecules.push_back(*Molecule::from_smiles(c.smiles));
  std::size_t equal_pairs = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    for (std::size_t j = i; j < cases.size(); ++j) {
      const bool expected = cases[i].inchi == cases[j].inchi;
      equal_pairs += expected ? 1 : 0;
      ASSERT_EQ(same_standard_inchi(molecules[i], molecules[j]), expected)
          << "'" << cases[i].smiles << "' vs '" << cases[j].smiles << "'";
    }
  }
  EXPECT_GT(equal_pairs, cases.size());  // some pairs besides (i, i) are equal
}

TEST(SameStandardInchi, TwoFailedInchisCountAsEqual) {
  // As in the reference, where "" == "" when InChI fails on both.
  EXPECT_TRUE(same_standard_inchi(*Molecule::from_smiles("*C"), *Molecule::from_smiles("*N")));
  EXPECT_TRUE(same_standard_inchi(*Molecule::from_smiles(""), *Molecule::from_smiles("*")));
  EXPECT_FALSE(same_standard_inchi(*Molecule::from_smiles(""), *Molecule::from_smiles("C")));
  // Tautomers share a standard InChI though their SMILES differ.
  EXPECT_TRUE(same_standard_inchi(*Molecule::from_smiles("Oc1ccccn1"), *Molecule::from_smiles("O=c1cccc[nH]1")));
}

}  // namespace
}  // namespace icma::chem
