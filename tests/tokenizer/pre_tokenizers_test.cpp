// Pre-tokenizers against Hugging Face `tokenizers` (tests/fixtures/llm_pipeline_hf.json,
// written by tests/reference/make_pipeline_fixtures.js).

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

std::vector<std::string> texts_of(const std::vector<Split>& splits) {
  std::vector<std::string> texts;
  for (const Split& split : splits) texts.push_back(split.text);
  return texts;
}

TEST(LlmPreTokenizers, MatchTokenizersOnTortureTexts) {
  const json& fixture = pipeline_fixture();
  const auto& texts = fixture.at("texts");
  std::size_t checked = 0;
  for (const auto& entry : fixture.at("pre_tokenizers")) {
    const auto pre_tokenizer = make_pre_tokenizer(entry.at("config"), "pre_tokenizer");
    ASSERT_NE(pre_tokenizer, nullptr) << entry.at("config").dump();
    for (std::size_t i = 0; i < texts.size(); ++i) {
      std::vector<Split> splits{Split{texts[i].get<std::string>(), true, std::nullopt}};
      pre_tokenizer->pre_tokenize(splits);
      EXPECT_EQ(texts_of(splits), entry.at("outputs")[i].get<std::vector<std::string>>())
          << entry.at("config").dump() << " on " << texts[i].dump();
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000u);
}

TEST(LlmPreTokenizers, SplitsWithAnIdAreLeftAlone) {
  const auto pre_tokenizer = make_pre_tokenizer(json::parse(R"({"type":"ByteLevel","add_prefix_space":true})"),
                                                "pre_tokenizer");
  std::vector<Split> splits{Split{"<s>", true, 1u}, Split{"a b", false, std::nullopt}, Split{" x", false, 7u}};
  pre_tokenizer->pre_tokenize(splits);
  ASSERT_EQ(splits.size(), 4u);
  EXPECT_EQ(splits[0].text, "<s>");
  EXPECT_EQ(splits[0].id, 1u);
  EXPECT_EQ(splits[1].text, "\u0120a");
  EXPECT_EQ(splits[2].text, "\u0120b");
  EXPECT_EQ(splits[3].text, " x");
}

TEST(LlmPreTokenizers, MetaspaceFirstPrependsOnlyAtTheInputStart) {
  const auto metaspace = make_pre_tokenizer(
      json::parse(R"({"type":"Metaspace","replacement":"\u2581","prepend_scheme":"first","split":false})"),
      "pre_tokenizer");
  std::vector<Split> splits{Split{"Hi there", true, std::nullopt}, Split{"</s>", false, 2u},
                            Split{"again now", false, std::nullopt}};
  metaspace->pre_tokenize(splits);
  EXPECT_EQ(texts_of(splits),
            (std::vector<std::string>{"\u2581Hi\u2581there", "</s>", "again\u2581now"}));
}

TEST(LlmPreTokenizers, BadConfigsNameTheField) {
  const auto message = [](const std::string& config) {
    try {
      make_pre_tokenizer(json::parse(config), "pre_tokenizer");
    } catch (const InputError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message(R"({"type":"Nope"})").find("pre_tokenizer.type"), std::string::npos);
  EXPECT_NE(message(R"({"type":"Sequence","pretokenizers":[{"type":"Digits"},{"type":"Split","pattern":{"Regex":"["},"behavior":"Removed","invert":false}]})")
                .find("pre_tokenizer.pretokenizers[1].pattern.Regex"),
            std::string::npos);
  EXPECT_NE(message(R"({"type":"Split","pattern":{"String":"x"},"behavior":"Sideways","invert":false})")
                .find("pre_tokenizer.behavior"),
            std::string::npos);
  EXPECT_NE(message(R"({"type":"Metaspace","replacement":"\u2581","add_prefix_space":false})")
                .find("add_prefix_space does not match declared prepend_scheme"),
            std::string::npos);
  EXPECT_NE(message(R"({"type":"Metaspace","replacement":"ab"})").find("pre_tokenizer.replacement"),
            std::string::npos);
  EXPECT_NE(message(R"({"type":"Metaspace","replacement":"_","prepend_scheme":"sometimes"})")
                .find("pre_tokenizer.prepend_scheme"),
            std::string::npos);
  EXPECT_EQ(make_pre_tokenizer(json(nullptr), "pre_tokenizer"), nullptr);
}

TEST(LlmPreTokenizers, ThreadSafe) {
  const json& fixture = pipeline_fixture();
  const json& galactica = fixture.at("pre_tokenizers")[0];
  const auto pre_tokenizer = make_pre_tokenizer(galactica.at("config"), "pre_tokenizer");
  const auto& texts = fixture.at("texts");
  icma::testing::run_concurrently(8, [&](int t) {
    for (std::size_t i = static_cast<std::size_t>(t) % texts.size(), n = 0; n < 100; ++n, i = (i + 7) % texts.size()) {
      std::vector<Split> splits{Split{texts[i].get<std::string>(), true, std::nullopt}};
      pre_tokenizer->pre_tokenize(splits);
      EXPECT_EQ(texts_of(splits), galactica.at("outputs")[i].get<std::vector<std::string>>());
    }
  });
}

}  // namespace
}  // namespace icma::tokenizer::detail
