// The byte-level tokenizer icma-train init writes: it loads, round-trips any
// text, and its learnt merges shorten the texts it learnt from. (A one-off
// check with npm's Hugging Face tokenizers 0.23.2 encoded 200 ChEBI-20
// prompts from a tokenizer learnt on ChEBI-20 validation to the same ids.)

#include <gtest/gtest.h>

#include <filesystem>

#include "icma/core/atomic_file.hpp"
#include "icma/tokenizer/tokenizer.hpp"
#include "icma/tokenizer/tokenizer_builder.hpp"
#include "test_support.hpp"

namespace {

icma::tokenizer::Tokenizer write_and_load(const icma::tokenizer::ByteLevelTokenizerFiles& files, const std::string& name) {
  const std::string dir = icma::testing::temp_dir() + "/" + name;
  std::filesystem::create_directories(dir);
  icma::write_file_atomically(dir + "/tokenizer.json", files.tokenizer_json);
  icma::write_file_atomically(dir + "/tokenizer_config.json", files.tokenizer_config_json);
  return icma::tokenizer::Tokenizer::load(dir);
}

TEST(TokenizerBuilder, BytesOnlyRoundTripsAndKnowsItsSpecialTokens) {
  const auto tokenizer = write_and_load(icma::tokenizer::byte_level_tokenizer_files(512), "bytes");
  const std::string text = "The molecule is an ion: [Na+].[Cl-] \xC3\xA9\xE2\x86\x92 \t\n end</s>";
  const auto ids = tokenizer.encode(text);
  EXPECT_EQ(ids.front(), 1u);  // <s>
  EXPECT_EQ(ids.back(), 2u);   // "</s>" in the text is the EOS token
  EXPECT_EQ(tokenizer.decode(ids, /*skip_special_tokens=*/true), text.substr(0, text.size() - 4));
  EXPECT_EQ(tokenizer.special_tokens().eos, 2u);
  EXPECT_EQ(tokenizer.special_tokens().pad, 0u);
  EXPECT_EQ(tokenizer.vocab_size(), 260u);
}

TEST(TokenizerBuilder, LearntMergesShortenTheCorpusAndStillRoundTrip) {
  const std::vector<std::string> corpus{"The molecule is a steroid.", "The molecule is a carboxylic acid.",
                                        "CC(=O)O", "CC(=O)OC1=CC=CC=C1C(=O)O", "The molecule is a member of benzenes."};
  const auto bytes = write_and_load(icma::tokenizer::byte_level_tokenizer_files(300), "plain");
  const auto learnt = write_and_load(icma::tokenizer::byte_level_tokenizer_files(300, corpus), "learnt");
  EXPECT_GT(learnt.vocab_size(), 260u);
  EXPECT_LE(learnt.vocab_size(), 300u);
  for (const std::string& text : corpus) {
    EXPECT_LT(learnt.encode(text).size(), bytes.encode(text).size()) << text;
    EXPECT_EQ(learnt.decode(learnt.encode(text), true), text);
  }
  // Deterministic: the same corpus gives the same file.
  EXPECT_EQ(icma::tokenizer::byte_level_tokenizer_files(300, corpus).tokenizer_json,
            icma::tokenizer::byte_level_tokenizer_files(300, corpus).tokenizer_json);
}

}  // namespace
