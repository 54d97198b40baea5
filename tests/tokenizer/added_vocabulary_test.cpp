// AddedVocabulary against Hugging Face `tokenizers` (tests/fixtures/llm_pipeline_hf.json,
// written by tests/reference/make_pipeline_fixtures.js): the fixture gives,
// per text, the pieces as [start, end, id or null] in code points of the raw
// text; a piece's text is the raw slice for tokens matched on the raw text and
// the normalized slice otherwise.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "../../src/tokenizer/pipeline.hpp"
#include "test_support.hpp"

namespace icma::tokenizer::detail {
namespace {

using nlohmann::json;

const json& pipeline_fixture() {
  static const json fixture = icma::testing::load_json(icma::testing::fixture_path("llm_pipeline_hf.json"));
  return fixture;
}

// Byte offset of each code point of `text`, and text.size() at the end.
std::vector<std::size_t> code_point_offsets(const std::string& text) {
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) offsets.push_back(i);
  }
  offsets.push_back(text.size());
  return offsets;
}

std::vector<AddedToken> tokens_of(const json& list) {
  std::vector<AddedToken> tokens;
  for (const auto& t : list) {
    tokens.push_back(AddedToken{t.at("id").get<std::uint32_t>(), t.at("content").get<std::string>(),
                                t.at("special").get<bool>(), t.at("single_word").get<bool>(),
                                t.at("lstrip").get<bool>(), t.at("rstrip").get<bool>(),
                                t.at("normalized").get<bool>()});
  }
  return tokens;
}

TEST(LlmAddedVocabulary, MatchesTokenizers) {
  std::size_t checked = 0;
  for (const auto& set : pipeline_fixture().at("added_vocabulary")) {
    const std::vector<AddedToken> tokens = tokens_of(set.at("tokens"));
    const AddedVocabulary vocabulary(tokens);
    const auto normalizer = make_normalizer(set.at("normalizer"), "normalizer");
    for (const auto& c : set.at("cases")) {
      const std::string text = c.at("text").get<std::string>();
      const auto offsets = code_point_offsets(text);
      std::vector<std::pair<std::string, std::optional<std::uint32_t>>> expected;
      const auto& pieces = c.at("pieces");
      for (std::size_t p = 0; p < pieces.size(); ++p) {
        const auto& piece = pieces[p];
        const std::size_t begin = offsets.at(piece[0].get<std::size_t>());
        std::size_t end = offsets.at(piece[1].get<std::size_t>());
        // HF's offsets of a normalized piece can fall short when the
        // normalizer composes characters: such a piece runs up to the next.
        if (piece[2].is_null()) end = p + 1 < pieces.size() ? offsets.at(pieces[p + 1][0].get<std::size_t>()) : text.size();
        std::string slice = text.substr(begin, end - begin);
        std::optional<std::uint32_t> id;
        bool raw = false;
        if (!piece[2].is_null()) {
          id = piece[2].get<std::uint32_t>();
          for (const AddedToken& token : tokens) {
            if (token.id == *id) raw = !token.normalized;
          }
        }
        if (!raw && normalizer != nullptr) normalizer->normalize(slice);
        expected.emplace_back(slice, id);
      }
      std::vector<std::pair<std::string, std::optional<std::uint32_t>>> actual;
      for (const Split& split : vocabulary.split(text, normalizer.get())) actual.emplace_back(split.text, split.id);
      EXPECT_EQ(actual, expected) << set.at("name") << " on " << c.at("text").dump();
      ++checked;
    }
  }
  EXPECT_GT(checked, 100u);
}

TEST(LlmAddedVocabulary, InputStartAndEmptyInput) {
  const AddedVocabulary vocabulary({AddedToken{1, "<s>", true, false, false, false, false}});
  EXPECT_TRUE(vocabulary.split("", nullptr).empty());
  auto splits = vocabulary.split("<s>a<s>b", nullptr);
  ASSERT_EQ(splits.size(), 4u);
  EXPECT_TRUE(splits[0].at_input_start);
  EXPECT_EQ(splits[0].id, 1u);
  EXPECT_FALSE(splits[1].at_input_start);
  EXPECT_FALSE(splits[1].id.has_value());
  splits = vocabulary.split("a<s>", nullptr);
  ASSERT_EQ(splits.size(), 2u);
  EXPECT_TRUE(splits[0].at_input_start);
  EXPECT_FALSE(splits[1].at_input_start);
  EXPECT_EQ(vocabulary.tokens().size(), 1u);
}

TEST(LlmAddedVocabulary, ThreadSafeWithANormalizer) {
  const AddedVocabulary vocabulary({AddedToken{5, "Hello", false, false, false, false, true}});
  const auto normalizer = make_normalizer(json{{"type", "Lowercase"}}, "normalizer");
  icma::testing::run_concurrently(8, [&](int) {
    for (int i = 0; i < 200; ++i) {
      const auto splits = vocabulary.split("say HELLO", normalizer.get());
      ASSERT_EQ(splits.size(), 2u);
      EXPECT_EQ(splits[0].text, "say ");
      EXPECT_EQ(splits[1].id, 5u);
    }
  });
}

}  // namespace
}  // namespace icma::tokenizer::detail
