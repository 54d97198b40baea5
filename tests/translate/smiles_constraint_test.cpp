// The SMILES decoding constraint: never refuses what RDKit parses (fixture
// tests/fixtures/smiles_syntax_rdkit.json, RDKit's verdicts; every ChEBI-20
// test SMILES from ../shared), catches the syntax errors it is for, and bans
// the right tokens of real tokenizers (a byte-level BPE; Mistral's
// SentencePiece-style tokenizer.json, where a leading '▁' is a space).

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "icma/tokenizer/tokenizer.hpp"
#include "icma/tokenizer/tokenizer_builder.hpp"
#include "icma/translate/smiles_constraint.hpp"
#include "test_support.hpp"

namespace icma::translate {
namespace {

bool accepted_and_complete(const std::string& smiles) {
  SmilesSyntax syntax;
  return syntax.accept(smiles) && syntax.complete();
}

TEST(SmilesSyntax, Rules) {
  for (const char* ok : {"C", "CCO", "C(C)(C)C", "C1CC1", "c1ccccc1", "C%10CC%10", "[C@@H]1(O)CC1", "[NH3+]CC([O-])=O",
                         "C/C=C\\C", "[Na+].[Cl-]", "C12CC1CC2", "[13CH3]C", "C1CC1C1CC1"}) {
    EXPECT_TRUE(accepted_and_complete(ok)) << ok;
  }
  for (const char* unfinished : {"C(", "C(C", "C1CC", "[C@@H", "C%1", "CC=", "C.", "C%10CC"}) {
    SmilesSyntax syntax;
    EXPECT_TRUE(syntax.accept(unfinished)) << unfinished;
    EXPECT_FALSE(syntax.complete()) << unfinished;
  }
  for (const char* refused : {"C)", "C()", "C((C))", "(C)", "1CC1", "C(1CC1)", "C]", "[C[", "C=(C)", "C(=)C", "C%1C",
                              "C(C)) ", "CCO\nextra"}) {
    SmilesSyntax syntax;
    EXPECT_FALSE(syntax.accept(std::string(refused)) && !syntax.ended() && syntax.complete()) << refused;
  }
  // Whitespace: leading space is trimmed; after the answer it ends it (what follows is not read).
  SmilesSyntax syntax;
  EXPECT_TRUE(syntax.accept("  \nCC(C)O\nC((("));
  EXPECT_TRUE(syntax.ended());
  SmilesSyntax open;
  EXPECT_FALSE(open.accept("CC(C\n"));  // a newline while a branch is open
  EXPECT_FALSE(open.ended());
}

TEST(SmilesSyntax, NeverRefusesWhatRdkitParses) {
  const auto fixture = testing::load_json(testing::fixture_path("smiles_syntax_rdkit.json"));
  std::size_t parses = 0, refused = 0, caught = 0;
  for (const auto& c : fixture.at("cases")) {
    const std::string smiles = c.at("smiles");
    if (c.at("parses").get<bool>()) {
      ++parses;
      EXPECT_TRUE(accepted_and_complete(smiles)) << smiles;
    } else {
      ++refused;
      caught += accepted_and_complete(smiles) ? 0 : 1;
    }
  }
  ASSERT_GT(parses, 400u);
  ASSERT_GT(refused, 2000u);
  // What the rules leave to the model (e.g. a ring bond to the same atom, "C11") stays; the
  // parenthesis, ring-closure and bracket errors are most of what RDKit refuses here.
  EXPECT_GT(static_cast<double>(caught) / static_cast<double>(refused), 0.9) << caught << " of " << refused;
}

TEST(SmilesSyntax, AcceptsEveryChebi20TestMolecule) {
  const std::string path = testing::shared_dir() + "/data/chebi20/test.txt";
  std::ifstream in(path);
  if (!in) GTEST_SKIP() << path << " not found (set ICMA_SHARED_DIR)";
  std::string line;
  std::getline(in, line);  // header
  std::size_t rows = 0;
  while (std::getline(in, line)) {
    const std::size_t first = line.find('\t');
    const std::string smiles = line.substr(first + 1, line.find('\t', first + 1) - first - 1);
    EXPECT_TRUE(accepted_and_complete(smiles)) << "row " << rows + 2 << ": " << smiles;
    ++rows;
  }
  EXPECT_EQ(rows, 3300u);
}

tokenizer::Tokenizer byte_level(const std::vector<std::string>& corpus) {
  const auto files = tokenizer::byte_level_tokenizer_files(320, corpus);
  const std::string dir = testing::temp_dir() + "/byte-level";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/tokenizer.json") << files.tokenizer_json;
  std::ofstream(dir + "/tokenizer_config.json") << files.tokenizer_config_json;
  return tokenizer::Tokenizer::load(dir);
}

std::vector<int64_t> ids(const tokenizer::Tokenizer& tokenizer, const std::string& text) {
  const auto encoded = tokenizer.encode(text, false);
  return {encoded.begin(), encoded.end()};
}

bool contains(const std::vector<int64_t>& list, int64_t id) { return std::find(list.begin(), list.end(), id) != list.end(); }

TEST(SmilesConstraint, BansTokensOfAByteLevelTokenizer) {
  const auto tokenizer = byte_level({"CC(=O)O", "C1=CC=CC=C1O", "CC(C)C(=O)O", "Molecule: CCO"});
  const int64_t eos = 2;
  const SmilesConstraint constraint(tokenizer, 320, {eos}, "Molecule:");
  const int64_t close = ids(tokenizer, ")").at(0), newline = ids(tokenizer, "\n").at(0), carbon = ids(tokenizer, "C").at(0);
  EXPECT_EQ(constraint.token_text(close), ")");

  EXPECT_TRUE(constraint.banned("").empty());                      // nothing written yet
  EXPECT_TRUE(constraint.banned("Molec").empty());                 // writing the cue
  const auto after_cue = constraint.banned("Molecule:");           // an empty answer cannot end
  EXPECT_TRUE(contains(after_cue, eos));
  EXPECT_TRUE(contains(after_cue, close));
  EXPECT_FALSE(contains(after_cue, newline));  // leading whitespace

  const auto open = constraint.banned("Molecule: CC(C");
  EXPECT_TRUE(contains(open, eos));
  EXPECT_TRUE(contains(open, newline));
  EXPECT_FALSE(contains(open, close));
  EXPECT_FALSE(contains(open, carbon));
  for (int64_t id : open) {  // every banned token really breaks the syntax here
    SmilesSyntax syntax;
    ASSERT_TRUE(syntax.accept("CC(C"));
    EXPECT_TRUE(id == eos || !syntax.accept(constraint.token_text(id))) << id << " '" << constraint.token_text(id) << "'";
  }

  const auto done = constraint.banned("Molecule: CC(C)O");
  EXPECT_FALSE(contains(done, eos));
  EXPECT_FALSE(contains(done, newline));
  EXPECT_TRUE(contains(done, close));
  EXPECT_TRUE(constraint.banned("Molecule: CCO\nCaption: (((").empty());  // past the answer

  // Without a cue the whole text is the answer.
  const SmilesConstraint bare(tokenizer, 320, {eos});
  EXPECT_TRUE(contains(bare.banned("C1CC"), eos));
  EXPECT_FALSE(contains(bare.banned("C1CC1"), eos));
}

TEST(SmilesConstraint, SentencePieceSpaceEndsTheAnswer) {
  const std::string path = testing::shared_dir() + "/models/mistral-7b-v0.1/tokenizer.json";
  if (!testing::file_exists(path)) GTEST_SKIP() << path << " not found (set ICMA_SHARED_DIR)";
  const auto tokenizer = tokenizer::Tokenizer::load(path);
  const SmilesConstraint constraint(tokenizer, tokenizer.vocab_size(), {2});
  const auto spaced = tokenizer.encode(" C", false);  // "▁C": a space, then an atom
  ASSERT_FALSE(spaced.empty());
  const int64_t space_c = spaced.back();
  EXPECT_EQ(constraint.token_text(space_c).front(), ' ');
  EXPECT_TRUE(contains(constraint.banned("CC(C"), space_c));
  EXPECT_FALSE(contains(constraint.banned("CC(C)"), space_c));
}

}  // namespace
}  // namespace icma::translate
