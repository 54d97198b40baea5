// Training in half precision and with gradient checkpointing, on CPU:
// - bf16 runs track float32 runs (loss within 2% after 20 steps), for LoRA over
//   a bf16 base (adapter in float32, as PEFT) and for full fine-tuning under
//   bf16 autocast (float32 master weights);
// - LoRA over a bf16 base keeps its own weights, gradients and AdamW state in
//   float32 and leaves the base frozen;
// - gradient checkpointing gives the same gradients as keeping activations,
//   dropout included (its random draws are replayed);
// - fp16 autocast is refused on CPU with a message naming the way out.

#include <gtest/gtest.h>
#include <torch/torch.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "icma/core/error.hpp"
#include "icma/core/random.hpp"
#include "icma/model/causal_lm.hpp"
#include "icma/model/data_parallel.hpp"
#include "icma/model/lora.hpp"
#include "icma/model/trainer.hpp"
#include "icma/model/training_data.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using icma::model::CausalLM;
using icma::model::TrainingExample;

std::string model_dir(const std::string& name) { return icma::testing::fixture_path("models/" + name); }

// Targets that repeat part of their prompt, so that the loss falls fast.
std::vector<TrainingExample> examples(int count, uint64_t seed) {
  icma::Rng rng(seed);
  std::vector<TrainingExample> out;
  for (int i = 0; i < count; ++i) {
    TrainingExample example;
    example.id = std::to_string(i);
    const int length = 8 + static_cast<int>(rng.below(8));
    for (int t = 0; t < length; ++t) example.ids.push_back(3 + static_cast<int64_t>(rng.below(40)));
    example.loss_from = static_cast<int64_t>(example.ids.size());
    for (int t = 0; t < 6; ++t) example.ids.push_back(example.ids[static_cast<std::size_t>(t)] + 40);
    out.push_back(std::move(example));
  }
  return out;
}

icma::model::TrainingOptions options_in(const std::string& name, bool lora) {
  icma::model::TrainingOptions options;
  options.out = icma::testing::temp_dir() + "/precision-" + name;
  fs::remove_all(options.out);
  options.base_model = "llama";
  if (lora) {
    options.lora = icma::model::LoraConfig{};
    options.lora->r = 8;
    options.lora->alpha = 16;
    options.lora->dropout = 0.0;
  }
  options.global_batch = 8;
  options.micro_batch = 4;
  options.max_steps = 20;
  options.learning_rate = lora ? 2e-2 : 3e-3;
  options.warmup_steps = 2;
  options.log_steps = 0;
  return options;
}

// The training set's mean target loss after 20 steps (the final validation
// loss, measured under the run's own precision).
double trained_loss(torch::Dtype dtype, bool lora) {
  const std::string name = std::string(lora ? "lora-" : "full-") + c10::toString(dtype);
  icma::model::TrainingOptions options = options_in(name, lora);
  icma::model::LoadOptions load;
  load.dtype = lora ? dtype : torch::kFloat32;
  auto model = CausalLM::load(model_dir("llama"), load);
  if (lora) {
    icma::model::attach_lora(*model, *options.lora, 3);
  } else {
    options.autocast_dtype = dtype;
  }
  const auto data = examples(32, 5);
  auto parallel = icma::model::DataParallel::from_environment();
  const auto result = icma::model::train(*model, data, data, options, *parallel);
  EXPECT_EQ(result.steps, 20);
  EXPECT_TRUE(result.final_eval_loss.has_value());
  return result.final_eval_loss.value_or(NAN);
}

TEST(MixedPrecision, Bf16LoraTracksFloat32Within2Percent) {
  const double fp32 = trained_loss(torch::kFloat32, true);
  const double bf16 = trained_loss(torch::kBFloat16, true);
  ASSERT_TRUE(std::isfinite(fp32) && std::isfinite(bf16));
  EXPECT_LT(std::abs(bf16 - fp32) / fp32, 0.02) << "fp32 " << fp32 << " bf16 " << bf16;
  std::printf("loss after 20 steps: fp32 %.5f, bf16 %.5f (%+.2f%%)\n", fp32, bf16, 100 * (bf16 - fp32) / fp32);
}

TEST(MixedPrecision, Bf16AutocastFullFineTuningTracksFloat32Within2Percent) {
  const double fp32 = trained_loss(torch::kFloat32, false);
  const double bf16 = trained_loss(torch::kBFloat16, false);
  ASSERT_TRUE(std::isfinite(fp32) && std::isfinite(bf16));
  EXPECT_LT(std::abs(bf16 - fp32) / fp32, 0.02) << "fp32 " << fp32 << " bf16 " << bf16;
  std::printf("loss after 20 steps: fp32 %.5f, bf16 %.5f (%+.2f%%)\n", fp32, bf16, 100 * (bf16 - fp32) / fp32);
}

TEST(MixedPrecision, LoraOverABf16BaseKeepsItsOwnWeightsInFloat32) {
  icma::model::LoadOptions load;
  load.dtype = torch::kBFloat16;
  auto model = CausalLM::load(model_dir("llama"), load);
  icma::model::LoraConfig config;
  config.r = 4;
  icma::model::attach_lora(*model, config, 1);
  const auto ids = torch::tensor(std::vector<int64_t>{1, 5, 9, 12, 7}).unsqueeze(0);
  model->module().train();
  model->forward(ids, torch::ones_like(ids)).sum().backward();
  std::size_t lora = 0;
  for (const auto& item : model->module().named_parameters()) {
    const bool is_lora = item.key().find("lora_") != std::string::npos;
    if (is_lora) {
      ++lora;
      EXPECT_EQ(item.value().scalar_type(), torch::kFloat32) << item.key();
      ASSERT_TRUE(item.value().grad().defined()) << item.key();
      EXPECT_EQ(item.value().grad().scalar_type(), torch::kFloat32) << item.key();
    } else {
      EXPECT_EQ(item.value().scalar_type(), torch::kBFloat16) << item.key();
      EXPECT_FALSE(item.value().requires_grad()) << item.key();
    }
  }
  EXPECT_GT(lora, 0u);
}

// The gradients of one backward pass, by parameter name.
std::map<std::string, torch::Tensor> gradients(bool checkpointing) {
  auto model = CausalLM::load(model_dir("llama"));
  model->set_gradient_checkpointing(checkpointing);
  model->module().train();
  icma::model::LoraConfig config;
  config.r = 4;
  config.dropout = 0.3;  // the recompute must replay the same random draws
  icma::model::attach_lora(*model, config, 1);
  {
    // B starts at zero, which would make every A gradient zero: give it values.
    torch::NoGradGuard no_grad;
    at::Generator generator = at::detail::createCPUGenerator(7);
    for (auto& [name, tensor] : icma::model::lora_parameters(*model)) {
      if (name.find("lora_B") != std::string::npos) tensor.normal_(0.0, 0.1, generator);
    }
  }
  at::Generator dropout = at::globalContext().defaultGenerator(torch::kCPU);
  dropout.set_current_seed(99);
  const auto ids = torch::tensor(std::vector<int64_t>{1, 5, 9, 12, 7, 30, 31, 2, 8, 4}).view({2, 5});
  const auto mask = torch::tensor(std::vector<int64_t>{1, 1, 1, 1, 1, 1, 1, 1, 1, 0}).view({2, 5});
  model->forward(ids, mask).pow(2).mean().backward();
  std::map<std::string, torch::Tensor> out;
  for (const auto& item : model->module().named_parameters()) {
    if (item.value().grad().defined()) out[item.key()] = item.value().grad().clone();
  }
  return out;
}

TEST(GradientCheckpointing, GivesTheSameGradientsDropoutIncluded) {
  const auto kept = gradients(false);
  const auto recomputed = gradients(true);
  ASSERT_EQ(kept.size(), recomputed.size());
  ASSERT_GT(kept.size(), 0u);
  for (const auto& [name, gradient] : kept) {
    ASSERT_TRUE(recomputed.count(name)) << name;
    EXPECT_LT((gradient - recomputed.at(name)).abs().max().item<double>(), 1e-6) << name;
    EXPECT_GT(gradient.abs().max().item<double>(), 0.0) << name;
  }
}

TEST(MixedPrecision, Fp16AutocastOnCpuIsRefused) {
  icma::model::TrainingOptions options = options_in("fp16", false);
  options.autocast_dtype = torch::kFloat16;
  auto model = CausalLM::load(model_dir("llama"));
  const auto data = examples(4, 1);
  auto parallel = icma::model::DataParallel::from_environment();
  const std::string message =
      icma::testing::input_error_message([&] { icma::model::train(*model, data, {}, options, *parallel); });
  EXPECT_NE(message.find("fp16 mixed precision needs a CUDA device"), std::string::npos) << message;
}

}  // namespace
