// Logits of tiny random-weight models of every supported architecture equal
// those of tests/reference/causal_lm.py, an independent python3-torch
// implementation written from Hugging Face Transformers' modeling code
// (fixtures: tests/reference/make_causal_lm_fixtures.py). Each model is saved
// the way its kind of checkpoint comes (torch.save .bin, bf16 safetensors,
// shards with an index, keys without the "model." prefix).

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <cstdio>
#include <string>

#include "icma/model/causal_lm.hpp"
#include "test_support.hpp"

namespace {

using icma::model::CausalLM;
using icma::model::KvCache;

const nlohmann::json& reference() {
  static const nlohmann::json json = icma::testing::load_json(icma::testing::fixture_path("models/logits_reference.json"));
  return json;
}

torch::Tensor tensor_of(const nlohmann::json& rows) {
  std::vector<int64_t> values;
  for (const auto& row : rows) {
    for (const auto& value : row) values.push_back(value.get<int64_t>());
  }
  return torch::tensor(values, torch::kInt64).view({static_cast<int64_t>(rows.size()), -1});
}

std::string model_dir(const std::string& name) { return icma::testing::fixture_path("models/" + name); }

class LogitsParity : public ::testing::TestWithParam<std::string> {};

TEST_P(LogitsParity, EqualsTheReferenceAtEveryRealPosition) {
  const auto model = CausalLM::load(model_dir(GetParam()));
  const torch::Tensor ids = tensor_of(reference()["input_ids"]);
  const torch::Tensor mask = tensor_of(reference()["attention_mask"]);
  torch::NoGradGuard no_grad;
  const torch::Tensor logits = model->forward(ids, mask);
  const nlohmann::json& expected = reference()["models"][GetParam()]["logits"];
  ASSERT_EQ(logits.size(0), static_cast<int64_t>(expected.size()));
  double worst = 0;
  for (int64_t row = 0; row < logits.size(0); ++row) {
    for (int64_t position = 0; position < logits.size(1); ++position) {
      if (mask[row][position].item<int64_t>() == 0) continue;  // padding: nobody reads these
      const auto values = expected[row][position].get<std::vector<double>>();
      ASSERT_EQ(logits.size(2), static_cast<int64_t>(values.size()));
      const auto ours = logits[row][position];
      for (std::size_t v = 0; v < values.size(); ++v) {
        worst = std::max(worst, std::abs(ours[static_cast<int64_t>(v)].item<double>() - values[v]));
      }
    }
  }
  EXPECT_LT(worst, 1e-4) << GetParam();
  RecordProperty("max_abs_difference", std::to_string(worst));
}

// On a CUDA GPU in bf16 (weights and compute), the logits stay within bf16's
// tolerance of the float32 reference: bf16 keeps 8 bits of mantissa, so the
// bound is relative to the logits' scale. Runs only where CUDA is available
// (scripts/gpu_check.sh); CI on CPU skips it.
TEST_P(LogitsParity, Bf16OnCudaEqualsTheReferenceWithinBf16Tolerance) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  icma::model::LoadOptions options;
  options.device = torch::Device(torch::kCUDA, 0);
  options.dtype = torch::kBFloat16;
  const auto model = CausalLM::load(model_dir(GetParam()), options);
  const torch::Tensor ids = tensor_of(reference()["input_ids"]);
  const torch::Tensor mask = tensor_of(reference()["attention_mask"]);
  torch::NoGradGuard no_grad;
  const torch::Tensor logits = model->forward(ids, mask).to(torch::kCPU, torch::kFloat64);
  const nlohmann::json& expected = reference()["models"][GetParam()]["logits"];
  double worst = 0, scale = 0;
  for (int64_t row = 0; row < logits.size(0); ++row) {
    for (int64_t position = 0; position < logits.size(1); ++position) {
      if (mask[row][position].item<int64_t>() == 0) continue;
      const auto values = expected[row][position].get<std::vector<double>>();
      const torch::Tensor want = torch::tensor(values, torch::kFloat64);
      worst = std::max(worst, (logits[row][position] - want).abs().max().item<double>());
      scale = std::max(scale, want.abs().max().item<double>());
    }
  }
  EXPECT_LT(worst, 0.05 * std::max(1.0, scale)) << GetParam() << ": scale " << scale;
  RecordProperty("max_abs_difference", std::to_string(worst));
  std::printf("%s bf16 on CUDA: max |logit - reference| = %.4g (logit scale %.3g)\n", GetParam().c_str(), worst, scale);
}

// The two attention kernels (ModelConfig::AttentionKernel) give equal logits
// on the reference's left-padded batch, sliding window (mistral) included.
// LibTorch 1.13 has no scaled_dot_product_attention: the eager kernel is then
// the only one, and this runs where the GPU check builds against 2.x.
TEST_P(LogitsParity, SdpaAndEagerAttentionAreEqual) {
  if (!icma::model::sdpa_available()) GTEST_SKIP() << "LibTorch " TORCH_VERSION " has no scaled_dot_product_attention";
  icma::model::LoadOptions eager, sdpa;
  eager.attention = icma::model::ModelConfig::AttentionKernel::kEager;
  sdpa.attention = icma::model::ModelConfig::AttentionKernel::kSdpa;
  const torch::Tensor ids = tensor_of(reference()["input_ids"]);
  const torch::Tensor mask = tensor_of(reference()["attention_mask"]);
  torch::NoGradGuard no_grad;
  const torch::Tensor a = CausalLM::load(model_dir(GetParam()), eager)->forward(ids, mask);
  const torch::Tensor b = CausalLM::load(model_dir(GetParam()), sdpa)->forward(ids, mask);
  const torch::Tensor real = mask.unsqueeze(-1).to(torch::kBool);
  EXPECT_LT((a - b).abs().masked_select(real).max().item<double>(), 1e-5) << GetParam();
}

TEST_P(LogitsParity, LeftPaddingChangesNothing) {
  const auto model = CausalLM::load(model_dir(GetParam()));
  const torch::Tensor ids = tensor_of(reference()["input_ids"]);
  const torch::Tensor mask = tensor_of(reference()["attention_mask"]);
  torch::NoGradGuard no_grad;
  const torch::Tensor padded = model->forward(ids, mask)[1].narrow(0, 3, 6);
  const torch::Tensor alone = model->forward(ids[1].narrow(0, 3, 6).unsqueeze(0), torch::ones({1, 6}, torch::kInt64))[0];
  EXPECT_TRUE(torch::allclose(padded, alone, 1e-5, 1e-5)) << (padded - alone).abs().max().item<double>();
}

TEST_P(LogitsParity, CachedStepsEqualOneFullPass) {
  const auto model = CausalLM::load(model_dir(GetParam()));
  const torch::Tensor ids = tensor_of(reference()["input_ids"]);
  const torch::Tensor mask = tensor_of(reference()["attention_mask"]);
  torch::NoGradGuard no_grad;
  const torch::Tensor full = model->forward(ids, mask);
  KvCache cache;
  const torch::Tensor first = model->forward(ids.narrow(1, 0, 5), mask.narrow(1, 0, 5), &cache);
  EXPECT_EQ(cache.length(), 5);
  std::vector<torch::Tensor> parts{first};
  for (int64_t position = 5; position < 9; ++position) {
    parts.push_back(model->forward(ids.narrow(1, position, 1), mask.narrow(1, 0, position + 1), &cache));
  }
  const torch::Tensor stepped = torch::cat(parts, 1);
  // Compare real positions only (padded rows differ only where nobody reads).
  const torch::Tensor real = mask.to(torch::kBool).unsqueeze(-1).expand_as(full);
  EXPECT_TRUE(torch::allclose(full.masked_select(real), stepped.masked_select(real), 1e-5, 1e-5));
  const torch::Tensor last = model->forward(ids, mask, nullptr, /*last_position_only=*/true);
  EXPECT_EQ(last.size(1), 1);
  EXPECT_TRUE(torch::allclose(last.squeeze(1), full.select(1, 8), 1e-6, 1e-6));
}

INSTANTIATE_TEST_SUITE_P(Architectures, LogitsParity,
                         ::testing::Values("opt-galactica", "opt-postnorm", "llama", "mistral", "qwen2"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(CausalLM, MergedPeftAdapterEqualsTheReferenceWithLoRA) {
  icma::model::LoadOptions options;
  options.adapter = model_dir("llama-lora");
  const auto model = CausalLM::load(model_dir("llama"), options);
  const torch::Tensor ids = tensor_of(reference()["input_ids"]);
  const torch::Tensor mask = tensor_of(reference()["attention_mask"]);
  torch::NoGradGuard no_grad;
  const torch::Tensor logits = model->forward(ids, mask);
  const nlohmann::json& expected = reference()["models"]["llama+lora"]["logits"];
  const auto base = CausalLM::load(model_dir("llama"))->forward(ids, mask);
  EXPECT_GT((logits - base).abs().max().item<double>(), 0.1);  // the adapter matters
  for (int64_t position = 0; position < 9; ++position) {
    const auto values = expected[0][position].get<std::vector<double>>();
    const torch::Tensor want = torch::tensor(values, torch::kFloat64).to(torch::kFloat32);
    EXPECT_TRUE(torch::allclose(logits[0][position], want, 0, 1e-4)) << position;
  }
}

TEST(CausalLM, SaveThenLoadGivesTheSameLogits) {
  const auto model = CausalLM::load(model_dir("llama"));
  const std::string dir = icma::testing::temp_dir() + "/saved-llama";
  model->save(dir);
  const auto again = CausalLM::load(dir);
  const torch::Tensor ids = tensor_of(reference()["input_ids"]);
  const torch::Tensor mask = tensor_of(reference()["attention_mask"]);
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(model->forward(ids, mask), again->forward(ids, mask)));
}

TEST(CausalLM, RandomModelsAreSeeded) {
  const auto config = icma::model::ModelConfig::load(model_dir("mistral"));
  const auto a = CausalLM::random(config, 7);
  const auto b = CausalLM::random(config, 7);
  const auto c = CausalLM::random(config, 8);
  const torch::Tensor ids = torch::arange(3, 9, torch::kInt64).unsqueeze(0);
  const torch::Tensor mask = torch::ones({1, 6}, torch::kInt64);
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(a->forward(ids, mask), b->forward(ids, mask)));
  EXPECT_FALSE(torch::equal(a->forward(ids, mask), c->forward(ids, mask)));
}

}  // namespace
