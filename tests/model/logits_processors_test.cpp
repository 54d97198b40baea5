// The logits processors against a python3-torch transcription of Hugging
// Face's (tests/reference/logits_processors_reference.py): same surviving
// entries, same values.

#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "../../src/model/logits_processors.hpp"
#include "icma/core/error.hpp"
#include "test_support.hpp"

namespace icma::model {
namespace {

torch::Tensor scores_from_json(const nlohmann::json& rows) {
  std::vector<float> values;
  const int64_t batch = static_cast<int64_t>(rows.size());
  const int64_t vocab = static_cast<int64_t>(rows[0].size());
  for (const auto& row : rows) {
    for (const auto& v : row) {
      values.push_back(v.is_null() ? -std::numeric_limits<float>::infinity() : v.get<float>());
    }
  }
  return torch::tensor(values, torch::kFloat32).reshape({batch, vocab});
}

TEST(LogitsProcessors, MatchHuggingFaceReference) {
  const nlohmann::json fixture = testing::load_json(testing::fixture_path("logits_processors_reference.json"));
  ASSERT_GT(fixture.at("cases").size(), 20u);
  for (const auto& c : fixture.at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const nlohmann::json& s = c.at("settings");
    LogitsSettings settings;
    settings.repetition_penalty = s.value("penalty", 1.0);
    settings.sample = s.value("sample", false);
    settings.temperature = s.value("t", 1.0);
    settings.top_k = s.value("k", 0);
    settings.top_p = s.value("p", 1.0);
    const TokenHistory seen = c.at("seen").get<TokenHistory>();
    const torch::Tensor out = process_logits(scores_from_json(c.at("scores")), seen, settings);
    const torch::Tensor expected = scores_from_json(c.at("expected"));
    ASSERT_EQ(out.sizes(), expected.sizes());
    // The same filtered entries exactly, the same values to float precision.
    EXPECT_TRUE(torch::equal(torch::isinf(out), torch::isinf(expected)));
    const torch::Tensor finite = torch::isfinite(expected);
    EXPECT_TRUE(torch::allclose(out.masked_select(finite), expected.masked_select(finite), 1e-6, 1e-6));
  }
}

TEST(LogitsProcessors, TopPKeepsAtLeastOneToken) {
  const torch::Tensor scores = torch::tensor({{1.0f, 5.0f, 2.0f}});
  const torch::Tensor out = top_p(scores, 0.0);
  EXPECT_EQ(out.isfinite().sum().item<int64_t>(), 1);
  EXPECT_FLOAT_EQ(out[0][1].item<float>(), 5.0f);
}

TEST(LogitsProcessors, TopKLargerThanVocabularyKeepsEverything) {
  const torch::Tensor scores = torch::tensor({{1.0f, 5.0f, 2.0f}});
  EXPECT_TRUE(torch::equal(top_k(scores, 10), scores));
}

TEST(LogitsProcessors, RepetitionPenaltyDividesPositivesAndMultipliesNegatives) {
  const torch::Tensor scores = torch::tensor({{2.0f, -2.0f, 3.0f}});
  const torch::Tensor out = repetition_penalty(scores, {{0, 1, 1}}, 2.0);
  EXPECT_FLOAT_EQ(out[0][0].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(out[0][1].item<float>(), -4.0f);  // once, though seen twice
  EXPECT_FLOAT_EQ(out[0][2].item<float>(), 3.0f);
  EXPECT_FLOAT_EQ(scores[0][0].item<float>(), 2.0f);  // the input is left alone
}

TEST(LogitsProcessors, WarpersOnlyWhenSampling) {
  const torch::Tensor scores = torch::tensor({{1.0f, 5.0f, 2.0f}});
  LogitsSettings settings;
  settings.temperature = 0.5;
  settings.top_k = 1;
  EXPECT_TRUE(torch::equal(process_logits(scores, {{}}, settings), scores));
  settings.sample = true;
  EXPECT_EQ(process_logits(scores, {{}}, settings).isfinite().sum().item<int64_t>(), 1);
}

TEST(LogitsProcessors, BadSettingsAreInputErrors) {
  LogitsSettings settings;
  settings.sample = true;
  settings.temperature = 0.0;
  EXPECT_THROW(check_logits_settings(settings), InputError);
  settings.temperature = 1.0;
  settings.top_p = 1.5;
  EXPECT_THROW(check_logits_settings(settings), InputError);
  settings.top_p = 0.9;
  settings.top_k = -1;
  EXPECT_THROW(check_logits_settings(settings), InputError);
  settings.top_k = 40;
  settings.repetition_penalty = 0.0;
  EXPECT_THROW(check_logits_settings(settings), InputError);
  settings.repetition_penalty = 1.2;
  EXPECT_NO_THROW(check_logits_settings(settings));
}

}  // namespace
}  // namespace icma::model
