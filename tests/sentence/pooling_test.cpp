// Each pooling mode on a hand-made batch: two texts of 3 and 1 real tokens,
// padded to 3.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "icma/core/error.hpp"
#include "icma/sentence/pooling.hpp"
#include "test_support.hpp"

namespace icma::sentence {
namespace {

// [2, 3, 2]: text 0 = (1, 2), (3, -4), (5, 0); text 1 = (-1, 7), then padding (9, 9), (9, 9).
torch::Tensor pooled(std::vector<PoolingMode> modes) {
  const torch::Tensor tokens =
      torch::tensor({1.f, 2.f, 3.f, -4.f, 5.f, 0.f, -1.f, 7.f, 9.f, 9.f, 9.f, 9.f}).view({2, 3, 2});
  const torch::Tensor mask = torch::tensor({1, 1, 1, 1, 0, 0}, torch::kInt64).view({2, 3});
  PoolingConfig config;
  config.word_embedding_dimension = 2;
  config.modes = std::move(modes);
  return pool(config, tokens, mask);
}

void expect_rows(const torch::Tensor& got, const std::vector<std::vector<float>>& want) {
  ASSERT_EQ(got.size(0), static_cast<std::int64_t>(want.size()));
  for (std::size_t r = 0; r < want.size(); ++r) {
    ASSERT_EQ(got.size(1), static_cast<std::int64_t>(want[r].size()));
    for (std::size_t c = 0; c < want[r].size(); ++c) {
      EXPECT_NEAR(got[r][c].item<float>(), want[r][c], 1e-6) << "row " << r << " column " << c;
    }
  }
}

TEST(Pooling, EachMode) {
  expect_rows(pooled({PoolingMode::cls}), {{1, 2}, {-1, 7}});
  expect_rows(pooled({PoolingMode::max}), {{5, 2}, {-1, 7}});
  expect_rows(pooled({PoolingMode::mean}), {{3, -2.f / 3}, {-1, 7}});
  expect_rows(pooled({PoolingMode::mean_sqrt_len}), {{9 / std::sqrt(3.f), -2 / std::sqrt(3.f)}, {-1, 7}});
  // Weights 1, 2, 3 by position: (1 + 6 + 15) / 6, (2 - 8 + 0) / 6.
  expect_rows(pooled({PoolingMode::weighted_mean}), {{22.f / 6, -1}, {-1, 7}});
  expect_rows(pooled({PoolingMode::last_token}), {{5, 0}, {-1, 7}});
  expect_rows(pooled({PoolingMode::cls, PoolingMode::mean}), {{1, 2, 3, -2.f / 3}, {-1, 7, -1, 7}});
}

TEST(Pooling, ConfigsAsSentenceTransformersWritesThem) {
  const nlohmann::json v1 = {{"word_embedding_dimension", 768}, {"pooling_mode_cls_token", false},
                             {"pooling_mode_mean_tokens", true}, {"pooling_mode_max_tokens", false},
                             {"pooling_mode_mean_sqrt_len_tokens", false}};
  const PoolingConfig mean = PoolingConfig::from_json(v1, "config.json");
  EXPECT_EQ(mean.describe(), "mean");
  EXPECT_EQ(mean.output_dimension(), 768);
  EXPECT_TRUE(mean.include_prompt);

  nlohmann::json both = v1;
  both["pooling_mode_cls_token"] = true;
  both["pooling_mode_max_tokens"] = true;
  both["include_prompt"] = false;
  const PoolingConfig concatenated = PoolingConfig::from_json(both, "config.json");
  EXPECT_EQ(concatenated.describe(), "cls+max+mean");
  EXPECT_EQ(concatenated.output_dimension(), 3 * 768);
  EXPECT_FALSE(concatenated.include_prompt);

  // The string form wins over the booleans; mean is the default.
  EXPECT_EQ(PoolingConfig::from_json({{"word_embedding_dimension", 8}, {"pooling_mode", "lasttoken"}}, "c").describe(),
            "lasttoken");
  EXPECT_EQ(PoolingConfig::from_json({{"word_embedding_dimension", 8}}, "c").describe(), "mean");
  EXPECT_EQ(testing::input_error_message([] { PoolingConfig::from_json({{"pooling_mode_mean_tokens", true}}, "c.json"); }),
            "c.json: \"word_embedding_dimension\" is missing");
  EXPECT_EQ(testing::input_error_message(
                [] { PoolingConfig::from_json({{"word_embedding_dimension", 8}, {"pooling_mode_max_tokens", 1}}, "c.json"); }),
            "c.json: \"pooling_mode_max_tokens\" must be true or false");
}

}  // namespace
}  // namespace icma::sentence
