// Decoders (src/tokenizer/decoders.cpp) against Hugging Face tokenizers: the text
// the official Node binding decodes from each token list
// (tests/fixtures/llm_model_hf.json, "decoders", written by
// tests/reference/make_model_fixtures.js): the real decoders of GPT-2,
// Galactica and Mistral on their real tokens, and every decoder type on
// edge cases (invalid UTF-8, partial byte runs, Strip bounds...).

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../../src/tokenizer/pipeline.hpp"
#include "icma/core/error.hpp"
#include "test_support.hpp"

namespace {

using icma::tokenizer::detail::make_decoder;
using nlohmann::json;

std::string decode(const json& decoder_json, const std::vector<std::string>& tokens) {
  const auto decoder = make_decoder(decoder_json, "decoder");
  std::string text;
  for (const auto& piece : decoder->decode_chain(tokens)) text += piece;
  return text;
}

TEST(Decoders, MatchHuggingFace) {
  const json fixture = icma::testing::load_json(icma::testing::fixture_path("llm_model_hf.json"));
  const json& cases = fixture.at("decoders");
  ASSERT_GE(cases.size(), 300u);
  std::size_t matched = 0;
  for (const auto& c : cases) {
    const std::string actual = decode(c.at("decoder"), c.at("tokens").get<std::vector<std::string>>());
    if (actual == c.at("text").get<std::string>()) {
      ++matched;
    } else {
      ADD_FAILURE() << c["decoder"].dump() << " on " << c["tokens"].dump() << ": got \"" << actual << "\", HF \""
                    << c["text"].get<std::string>() << "\"";
    }
  }
  EXPECT_EQ(matched, cases.size());
}

TEST(Decoders, Errors) {
  const auto error_of = [](const json& object) -> std::string {
    try {
      make_decoder(object, "decoder");
    } catch (const icma::InputError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(make_decoder(json(nullptr), "decoder"), nullptr);
  EXPECT_NE(error_of({{"type", "Nope"}}).find("decoder.type"), std::string::npos);
  EXPECT_NE(error_of({{"type", "Metaspace"}, {"replacement", "ab"}}).find("decoder.replacement"), std::string::npos);
  EXPECT_NE(error_of({{"type", "Metaspace"}, {"replacement", "_"}, {"add_prefix_space", false}}).find("decoder.add_prefix_space"),
            std::string::npos);
  EXPECT_NE(error_of({{"type", "Strip"}, {"content", " "}, {"start", -1}}).find("decoder.start"), std::string::npos);
  EXPECT_NE(error_of({{"type", "Replace"}, {"pattern", {{"Regex", "("}}}, {"content", ""}}).find("decoder.pattern"),
            std::string::npos);
  EXPECT_NE(error_of({{"type", "Sequence"}, {"decoders", {{{"type", "Fuse"}}, {{"type", "Bad"}}}}}).find("decoder.decoders[1].type"),
            std::string::npos);
}

TEST(Decoders, ByteLevelLossyUtf8) {
  const json byte_level = {{"type", "ByteLevel"}};
  // "Ã" is byte 0xC3 alone: one U+FFFD; "ð" "Ł" "Ļ" are F0 9F 99: one U+FFFD.
  EXPECT_EQ(decode(byte_level, {"Ã"}), "\xEF\xBF\xBD");
  EXPECT_EQ(decode(byte_level, {"ð", "Ł", "Ļ", "Ġx"}), "\xEF\xBF\xBD x");
  EXPECT_EQ(decode(byte_level, {}), "");
}

}  // namespace
