// Post-processors (src/tokenizer/post_processors.cpp) against Hugging Face
// tokenizers: the ids with and without special tokens that the official Node
// binding gives (tests/fixtures/llm_model_hf.json, "post_processors", written
// by tests/reference/make_model_fixtures.js).

#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../../src/tokenizer/pipeline.hpp"
#include "icma/core/error.hpp"
#include "test_support.hpp"

namespace {

using icma::tokenizer::detail::make_post_processor;
using nlohmann::json;

TEST(PostProcessors, MatchHuggingFace) {
  const json fixture = icma::testing::load_json(icma::testing::fixture_path("llm_model_hf.json"));
  const json& cases = fixture.at("post_processors");
  ASSERT_GE(cases.size(), 20u);
  for (const auto& c : cases) {
    const auto processor = make_post_processor(c.at("post_processor"), "post_processor");
    ASSERT_NE(processor, nullptr);
    auto ids = c.at("ids").get<std::vector<std::uint32_t>>();
    processor->process(ids);
    EXPECT_EQ(json(ids), c.at("with_special")) << c["post_processor"].dump();
  }
}

TEST(PostProcessors, StringTemplatePieces) {
  const json processor = {{"type", "TemplateProcessing"},
                          {"single", {"[CLS]", "$A", "[SEP]:1"}},
                          {"special_tokens",
                           {{"[CLS]", {{"id", "[CLS]"}, {"ids", {101}}, {"tokens", {"[CLS]"}}}},
                            {"[SEP]", {{"id", "[SEP]"}, {"ids", {102}}, {"tokens", {"[SEP]"}}}}}}};
  std::vector<std::uint32_t> ids = {5, 6};
  make_post_processor(processor, "post_processor")->process(ids);
  EXPECT_EQ(ids, (std::vector<std::uint32_t>{101, 5, 6, 102}));
}

TEST(PostProcessors, Errors) {
  const auto error_of = [](const json& object) -> std::string {
    try {
      make_post_processor(object, "post_processor");
    } catch (const icma::InputError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(make_post_processor(json(nullptr), "post_processor"), nullptr);
  EXPECT_NE(error_of({{"type", "Nope"}}).find("post_processor.type"), std::string::npos);
  EXPECT_NE(error_of({{"type", "TemplateProcessing"},
                      {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}}}},
                      {"special_tokens", json::object()}})
                .find("post_processor.single[0]"),
            std::string::npos);
  EXPECT_NE(error_of({{"type", "BertProcessing"}, {"sep", {"[SEP]"}}, {"cls", {"[CLS]", 1}}}).find("post_processor.sep"),
            std::string::npos);
  EXPECT_NE(error_of({{"type", "Sequence"}, {"processors", {{{"type", "Bad"}}}}}).find("post_processor.processors[0].type"),
            std::string::npos);
}

}  // namespace
