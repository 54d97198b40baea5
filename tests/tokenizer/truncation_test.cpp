// Tokenizer::encode_truncated against Hugging Face tokenizers (npm) with
// truncation to max_length: the ids of the sentence encoder fixtures
// (tests/reference/sentence_reference.py), a WordPiece tokenizer cut at 64
// ids and a byte-level BPE one cut at 40, special tokens included.

#include <gtest/gtest.h>

#include "icma/core/error.hpp"
#include "icma/tokenizer/tokenizer.hpp"
#include "test_support.hpp"

namespace icma::tokenizer {
namespace {

TEST(Truncation, IdsEqualHuggingFaceTokenizers) {
  const nlohmann::json expected = testing::load_json(testing::fixture_path("sentence/expected.json"));
  for (const auto& [name, model] : expected.at("models").items()) {
    const Tokenizer tokenizer = Tokenizer::load(testing::fixture_path("sentence/" + name));
    const std::size_t max_length = model.at("max_seq_length");
    std::size_t cut = 0;
    for (std::size_t i = 0; i < model.at("ids").size(); ++i) {
      const std::string text = model.at("prepared")[i];
      const auto want = model.at("ids")[i].get<std::vector<std::uint32_t>>();
      EXPECT_EQ(tokenizer.encode_truncated(text, max_length), want) << name << " text " << i << ": " << text;
      const std::vector<std::uint32_t> whole = tokenizer.encode(text);
      cut += whole.size() > max_length;
      if (whole.size() <= max_length) {
        EXPECT_EQ(whole, want) << name << " text " << i;
      }
    }
    EXPECT_GT(cut, 100u) << name;  // most are cut, some are not
    EXPECT_LT(cut, model.at("ids").size()) << name;
  }
}

TEST(Truncation, TheSpecialTokensAlwaysStay) {
  const Tokenizer bert = Tokenizer::load(testing::fixture_path("sentence/bert-mean-normalize"));
  EXPECT_EQ(bert.num_special_tokens(), 2u);
  EXPECT_EQ(bert.encode_truncated("the molecule is an acid", 2), (std::vector<std::uint32_t>{102, 103}));
  EXPECT_EQ(bert.encode_truncated("the molecule is an acid", 3).size(), 3u);
  EXPECT_EQ(bert.encode_truncated("", 5), (std::vector<std::uint32_t>{102, 103}));
  EXPECT_EQ(testing::input_error_message([&] { bert.encode_truncated("acid", 1); }),
            "a maximum length of 1 leaves no room for the 2 special tokens of tokenizer.json(" +
                testing::fixture_path("sentence/bert-mean-normalize") + "/tokenizer.json)");
  const Tokenizer roberta = Tokenizer::load(testing::fixture_path("sentence/roberta-mean"));
  EXPECT_EQ(roberta.encode_truncated("hello world", 2), (std::vector<std::uint32_t>{0, 2}));
}

}  // namespace
}  // namespace icma::tokenizer
