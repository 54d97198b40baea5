// Molecule::from_smiles against python's Chem.MolFromSmiles (fixture:
// tests/reference/make_chem_fixtures.py).

#include "icma/chem/molecule.hpp"

#include <gtest/gtest.h>

#include <type_traits>
#include <utility>

#include "chem_fixture.hpp"

namespace icma::chem {
namespace {

TEST(Molecule, ParsesLikeRdkitPython) {
  for (const auto& expected : testing::chem_fixture_molecules()) {
    const std::string smiles = expected["smiles"];
    const auto molecule = Molecule::from_smiles(smiles);
    ASSERT_EQ(molecule.has_value(), expected["parses"].get<bool>()) << "'" << smiles << "'";
    if (!molecule) continue;
    EXPECT_EQ(molecule->num_atoms(), expected["num_atoms"].get<std::size_t>()) << smiles;
    EXPECT_EQ(molecule->to_smiles(), expected["canonical"].get<std::string>()) << smiles;
  }
}

TEST(Molecule, EmptyStringIsAnEmptyMolecule) {
  const auto molecule = Molecule::from_smiles("");
  ASSERT_TRUE(molecule.has_value());
  EXPECT_EQ(molecule->num_atoms(), 0u);
  EXPECT_EQ(molecule->to_smiles(), "");
}

TEST(Molecule, FailuresReturnNulloptQuietly) {
  ::testing::internal::CaptureStderr();
  ::testing::internal::CaptureStdout();
  for (const char* bad : {"C1CC", "c1cccc1", "[NH4]", "C(C)(C)(C)(C)C", "xyz", "((((", "[", "C%1"}) {
    EXPECT_FALSE(Molecule::from_smiles(bad).has_value()) << bad;
  }
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

TEST(Molecule, BytesThatAreNotSmilesDoNotCrash) {
  const std::string with_nul("CC\0O", 4);
  const std::string texts[] = {with_nul, "\xff\xfe", std::string(5000, '('), "C\n"};
  for (const std::string& text : texts) {
    (void)Molecule::from_smiles(text);  // any answer, but no crash or exception
  }
  SUCCEED();
}

TEST(Molecule, CopiesAreIndependentAndMovesTransfer) {
  static_assert(std::is_nothrow_move_constructible_v<Molecule>);
  auto ethanol = Molecule::from_smiles("CCO");
  auto benzene = Molecule::from_smiles("c1ccccc1");
  ASSERT_TRUE(ethanol && benzene);

  Molecule copy = *ethanol;
  copy = *benzene;
  EXPECT_EQ(copy.to_smiles(), "c1ccccc1");
  EXPECT_EQ(ethanol->to_smiles(), "CCO");

  Molecule moved = std::move(*ethanol);
  EXPECT_EQ(moved.num_atoms(), 3u);
  moved = std::move(copy);
  EXPECT_EQ(moved.num_atoms(), 6u);
}

TEST(Molecule, MolblockHasDepictedCoordinates) {
  // Chem.MolToMolBlock lays out a molecule that has no coordinates, so that
  // wedges carry its stereo; Open Babel's InChI depends on it.
  const auto alanine = Molecule::from_smiles("C[C@H](N)C(=O)O");
  ASSERT_TRUE(alanine);
  const std::string block = alanine->to_molblock();
  EXPECT_NE(block.find("2D"), std::string::npos);
  EXPECT_NE(block.find("V2000"), std::string::npos);
  EXPECT_NE(block.find("M  END"), std::string::npos);
}

}  // namespace
}  // namespace icma::chem
