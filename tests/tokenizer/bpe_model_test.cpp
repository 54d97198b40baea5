// BPE, WordPiece and WordLevel models (src/tokenizer/bpe_model.cpp) against Hugging
// Face tokenizers: tests/fixtures/llm_model_hf.json, written by
// tests/reference/make_model_fixtures.js, holds the ids the official Node
// binding gives for each model alone (no normalizer or pre-tokenizer) on
// pre-tokenized pieces: the real GPT-2, Galactica-125M and Mistral-7B models
// (read from ../shared/models, skipped when absent) and small synthetic
// models for the options the real files do not use.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../../src/tokenizer/pipeline.hpp"
#include "icma/core/error.hpp"
#include "test_support.hpp"

namespace {

using icma::tokenizer::detail::make_model;
using icma::tokenizer::detail::Model;
using nlohmann::json;

const json& fixture() {
  static const json data = icma::testing::load_json(icma::testing::fixture_path("llm_model_hf.json"));
  return data;
}

std::string model_file(const std::string& name) {
  return icma::testing::shared_dir() + "/models/" + name + "/tokenizer.json";
}

std::vector<std::uint32_t> run(const Model& model, const std::string& text) {
  std::vector<std::uint32_t> ids;
  model.tokenize(text, ids);
  return ids;
}

// Compares every piece; returns the number that match.
std::size_t check_pieces(const Model& model, const json& pieces, const std::string& label) {
  std::size_t matched = 0;
  std::size_t shown = 0;
  for (const auto& entry : pieces) {
    const std::string piece = entry[0].get<std::string>();
    const auto expected = entry[1].get<std::vector<std::uint32_t>>();
    const auto actual = run(model, piece);
    if (actual == expected) {
      ++matched;
    } else if (shown++ < 10) {
      ADD_FAILURE() << label << ": piece \"" << piece << "\": got " << json(actual).dump() << ", HF " << json(expected).dump();
    }
  }
  return matched;
}

class RealBpe : public ::testing::TestWithParam<std::string> {};

TEST_P(RealBpe, MatchesHuggingFaceOnPieces) {
  const std::string name = GetParam();
  if (!icma::testing::file_exists(model_file(name))) GTEST_SKIP() << model_file(name) << " not found";
  const json file = icma::testing::load_json(model_file(name));
  const auto model = make_model(file.at("model"), "model");
  ASSERT_NE(model, nullptr);
  EXPECT_EQ(model->vocab_size(), file["model"]["vocab"].size());
  const json& pieces = fixture().at("bpe").at(name);
  ASSERT_GT(pieces.size(), 2000u);
  // Twice: the second pass reads the word cache.
  for (int pass = 0; pass < 2; ++pass) EXPECT_EQ(check_pieces(*model, pieces, name), pieces.size());
}

INSTANTIATE_TEST_SUITE_P(Models, RealBpe, ::testing::Values("gpt2", "galactica-125m", "mistral-7b-v0.1"),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& c : s) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return s;
                         });

TEST(Bpe, MergesAsArraysGiveTheSameIds) {
  if (!icma::testing::file_exists(model_file("galactica-125m"))) GTEST_SKIP();
  json model = icma::testing::load_json(model_file("galactica-125m")).at("model");
  json arrays = json::array();
  for (const auto& merge : model["merges"]) {
    const std::string line = merge.get<std::string>();
    const auto space = line.find(' ');
    arrays.push_back(json::array({line.substr(0, space), line.substr(space + 1)}));
  }
  model["merges"] = arrays;
  const auto bpe = make_model(model, "model");
  const json& pieces = fixture().at("bpe").at("galactica-125m");
  EXPECT_EQ(check_pieces(*bpe, pieces, "galactica (array merges)"), pieces.size());
}

TEST(Bpe, Gpt2WithoutTypeIsBpe) {
  if (!icma::testing::file_exists(model_file("gpt2"))) GTEST_SKIP();
  const json model = icma::testing::load_json(model_file("gpt2")).at("model");
  ASSERT_FALSE(model.contains("type"));
  const auto bpe = make_model(model, "model");
  EXPECT_EQ(bpe->token_to_id("hello"), std::optional<std::uint32_t>(31373));
  EXPECT_EQ(bpe->id_to_token(31373), std::optional<std::string>("hello"));
  EXPECT_EQ(bpe->id_to_token(999999), std::nullopt);
}

TEST(Bpe, SyntheticModelsMatchHuggingFace) {
  const json& cases = fixture().at("bpe_synthetic");
  ASSERT_GE(cases.size(), 10u);
  for (const auto& c : cases) {
    const auto model = make_model(c.at("model"), "model");
    const json& words = c.at("words");
    EXPECT_EQ(check_pieces(*model, words, c["name"].get<std::string>()), words.size()) << c["name"];
  }
}

TEST(Bpe, ThreadSafe) {
  if (!icma::testing::file_exists(model_file("galactica-125m"))) GTEST_SKIP();
  const auto model = make_model(icma::testing::load_json(model_file("galactica-125m")).at("model"), "model");
  const json& pieces = fixture().at("bpe").at("galactica-125m");
  std::vector<std::size_t> matched(8, 0);
  icma::testing::run_concurrently(8, [&](int t) {
    for (int pass = 0; pass < 3; ++pass) {
      for (std::size_t i = static_cast<std::size_t>(t); i < pieces.size() + t; ++i) {
        const auto& entry = pieces[i % pieces.size()];
        if (run(*model, entry[0].get<std::string>()) == entry[1].get<std::vector<std::uint32_t>>()) ++matched[t];
      }
    }
  });
  for (const auto m : matched) EXPECT_EQ(m, 3 * pieces.size());
}

// Not a comparison: prints the model's speed on the fixture pieces.
TEST(Bpe, Speed) {
  if (!icma::testing::file_exists(model_file("galactica-125m"))) GTEST_SKIP();
  const auto model = make_model(icma::testing::load_json(model_file("galactica-125m")).at("model"), "model");
  std::vector<std::string> pieces;
  for (const auto& entry : fixture().at("bpe").at("galactica-125m")) pieces.push_back(entry[0].get<std::string>());
  std::vector<std::uint32_t> ids;
  auto start = std::chrono::steady_clock::now();
  for (const auto& p : pieces) {
    ids.clear();
    model->tokenize(p, ids);
  }
  const double first = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  start = std::chrono::steady_clock::now();
  for (int pass = 0; pass < 20; ++pass) {
    for (const auto& p : pieces) {
      ids.clear();
      model->tokenize(p, ids);
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("BPE galactica: %.0f pieces/s uncached, %.0f pieces/s cached\n", pieces.size() / first,
              20.0 * pieces.size() / seconds);
}

TEST(Bpe, Errors) {
  const auto error_of = [](const json& model) -> std::string {
    try {
      make_model(model, "model");
    } catch (const icma::InputError& e) {
      return e.what();
    }
    return "";
  };
  const json vocab = {{"a", 0}, {"b", 1}, {"ab", 2}};
  EXPECT_NE(error_of({{"type", "BPE"}, {"vocab", vocab}, {"merges", {"a b"}}, {"dropout", 0.1}}).find("model.dropout"),
            std::string::npos);
  EXPECT_EQ(error_of({{"type", "BPE"}, {"vocab", vocab}, {"merges", {"a b"}}, {"dropout", 0.0}}), "");
  EXPECT_NE(error_of({{"type", "BPE"}, {"vocab", vocab}, {"merges", {"a b c"}}}).find("model.merges[0]"), std::string::npos);
  EXPECT_NE(error_of({{"type", "BPE"}, {"vocab", vocab}, {"merges", {"a x"}}}).find("model.merges[0]"), std::string::npos);
  EXPECT_NE(error_of({{"type", "BPE"}, {"vocab", vocab}, {"merges", {"a b", "b a"}}}).find("model.merges[1]"),
            std::string::npos);
  EXPECT_NE(error_of({{"type", "BPE"}, {"vocab", vocab}}).find("model.merges"), std::string::npos);
  EXPECT_NE(error_of({{"type", "BPE"}, {"vocab", {{"a", -1}}}, {"merges", json::array()}}).find("model.vocab"),
            std::string::npos);
  EXPECT_NE(error_of({{"type", "Nope"}, {"vocab", vocab}}).find("model.type"), std::string::npos);
  EXPECT_NE(error_of({{"type", "Unigram"}, {"vocab", json::array()}}).find("model.type"), std::string::npos);
  EXPECT_EQ(make_model(json(nullptr), "model"), nullptr);
}

TEST(Bpe, EmptyAndMissingUnk) {
  const auto model = make_model({{"type", "BPE"}, {"vocab", {{"a", 0}}}, {"merges", json::array()}, {"unk_token", "<unk>"}}, "model");
  EXPECT_TRUE(run(*model, "").empty());
  EXPECT_EQ(run(*model, "aa"), (std::vector<std::uint32_t>{0, 0}));
  EXPECT_THROW(run(*model, "b"), icma::Error);
}

TEST(WordPiece, MatchesHuggingFace) {
  const json& c = fixture().at("wordpiece");
  const auto model = make_model(c.at("model"), "model");
  EXPECT_EQ(check_pieces(*model, c.at("words"), "wordpiece"), c["words"].size());
}

TEST(WordLevel, MatchesHuggingFace) {
  const json& c = fixture().at("wordlevel");
  const auto model = make_model(c.at("model"), "model");
  EXPECT_EQ(check_pieces(*model, c.at("words"), "wordlevel"), c["words"].size());
}

}  // namespace
