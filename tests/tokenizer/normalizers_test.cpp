// Normalizers against Hugging Face `tokenizers` (tests/fixtures/llm_pipeline_hf.json,
// written by tests/reference/make_pipeline_fixtures.js).

#include <gtest/gtest.h>

#include <string>

#include "../../src/tokenizer/pipeline.hpp"
#include "icma/core/error.hpp"
#include "test_support.hpp"

namespace icma::tokenizer::detail {
namespace {

using nlohmann::json;

const json& pipeline_fixture() {
  static const json fixture = icma::testing::load_json(icma::testing::fixture_path("llm_pipeline_hf.json"));
  return fixture;
}

TEST(LlmNormalizers, MatchTokenizersOnTortureTexts) {
  const json& fixture = pipeline_fixture();
  const auto& texts = fixture.at("texts");
  std::size_t checked = 0;
  for (const auto& entry : fixture.at("normalizers")) {
    const auto normalizer = make_normalizer(entry.at("config"), "normalizer");
    ASSERT_NE(normalizer, nullptr) << entry.at("config").dump();
    for (std::size_t i = 0; i < texts.size(); ++i) {
      std::string text = texts[i].get<std::string>();
      normalizer->normalize(text);
      EXPECT_EQ(text, entry.at("outputs")[i].get<std::string>())
          << entry.at("config").dump() << " on " << texts[i].dump();
      ++checked;
    }
  }
  EXPECT_GT(checked, 500u);
}

TEST(LlmNormalizers, NullGivesNoNormalizer) { EXPECT_EQ(make_normalizer(json(nullptr), "normalizer"), nullptr); }

TEST(LlmNormalizers, BadConfigsNameTheField) {
  const auto message = [](const json& config) {
    try {
      make_normalizer(config, "normalizer");
    } catch (const InputError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(json{{"type", "Frobnicate"}}).find("normalizer.type"), std::string::npos);
  EXPECT_NE(message(json{{"type", "Precompiled"}, {"precompiled_charsmap", "AAAA"}})
                .find("normalizer type Precompiled is not supported"),
            std::string::npos);
  EXPECT_NE(message(json::parse(R"({"type":"Sequence","normalizers":[{"type":"NFC"},{"type":"Nope"}]})"))
                .find("normalizer.normalizers[1].type"),
            std::string::npos);
  EXPECT_NE(message(json::parse(R"({"type":"Replace","pattern":{"Regex":"(unclosed"},"content":""})"))
                .find("normalizer.pattern.Regex"),
            std::string::npos);
  EXPECT_NE(message(json::parse(R"({"type":"Prepend"})")).find("normalizer: missing field \"prepend\""),
            std::string::npos);
  EXPECT_NE(message(json::parse(R"({"type":"Strip","strip_left":3})")).find("normalizer.strip_left"),
            std::string::npos);
  EXPECT_NE(message(json::array()).find("tokenizer.json: normalizer"), std::string::npos);
}

TEST(LlmNormalizers, ThreadSafe) {
  const auto normalizer = make_normalizer(
      json::parse(R"({"type":"Sequence","normalizers":[{"type":"NFKC"},{"type":"Replace","pattern":{"Regex":"\\s+"},"content":" "},{"type":"Lowercase"}]})"),
      "normalizer");
  icma::testing::run_concurrently(8, [&](int) {
    for (int i = 0; i < 200; ++i) {
      std::string text = "Caf\u00e9   \uFB01  ABC";
      normalizer->normalize(text);
      EXPECT_EQ(text, "caf\u00e9 fi abc");
    }
  });
}

}  // namespace
}  // namespace icma::tokenizer::detail
