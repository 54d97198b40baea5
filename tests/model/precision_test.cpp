// Training in half precision and with gradient checkpointing, on CPU:
// - bf16 runs track float32 runs (loss within 2% after 20 steps), for LoRA over
//   a bf16 base (adapter in float32, as PEFT) and for full fine-tuning under
//   bf16 autocast (float32 master weights);
// - LoRA over a bf16 base keeps its own weights, gradients and AdamW state in
//   float32 and leaves the base frozen;
// - gradient checkpointing gives the same gradients as keeping activations,
//   dropout included (its random draws are replayed);
// - fp16 autocast is refused on CPU with a message naming the way out;
// - an int8 base (the official Mistral-7B run's --int8): bitsandbytes' row
//   format, a quarter of the memory, logits and LoRA training that track fp32.

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
#include "../../src/model/layers.hpp"
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
double trained_loss(torch::Dtype dtype, bool lora, bool int8_base = false) {
  const std::string name = std::string(lora ? "lora-" : "full-") + c10::toString(dtype) + (int8_base ? "-int8" : "");
  icma::model::TrainingOptions options = options_in(name, lora);
  icma::model::LoadOptions load;
  load.dtype = lora ? dtype : torch::kFloat32;
  load.int8_linear = int8_base;
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
std::map<std::string, torch::Tensor> gradients(bool checkpointing, const std::string& name = "llama") {
  auto model = CausalLM::load(model_dir(name));
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

// OPT (Galactica) has learned positions, no rotary cos/sin: full fine-tuning
// of every weight, as the paper's Galactica-125M runs.
TEST(GradientCheckpointing, GivesTheSameGradientsForOptWithLearnedPositions) {
  const auto kept = gradients(false, "opt-galactica");
  const auto recomputed = gradients(true, "opt-galactica");
  ASSERT_EQ(kept.size(), recomputed.size());
  ASSERT_GT(kept.size(), 0u);
  for (const auto& [name, gradient] : kept) {
    ASSERT_TRUE(recomputed.count(name)) << name;
    EXPECT_LT((gradient - recomputed.at(name)).abs().max().item<double>(), 1e-6) << name;
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

TEST(Int8Base, RowsAndAbsmaxAreBitsandbytesFormat) {
  // CB = round(W * 127 / absmax_row), ties to even; SCB = absmax_row. Hand-computed.
  icma::model::detail::LinearImpl linear(4, 3, false);
  linear.weight.set_data(torch::tensor(std::vector<float>{0.5f, -1.0f, 0.25f, 0.0f,  //
                                                          0.0f, 0.0f, 0.0f, 0.0f,    //
                                                          0.01f, 0.02f, -0.04f, 0.03f})
                             .view({3, 4}));
  linear.quantize_int8();
  ASSERT_TRUE(linear.is_int8());
  EXPECT_EQ(linear.weight.numel(), 0);  // the float copy is freed
  const auto rows = linear.weight_int8().to(torch::kInt64);
  const std::vector<int64_t> expected{64, -127, 32, 0, 0, 0, 0, 0, 32, 64, -127, 95};  // 63.5 -> 64, 31.75 -> 32
  EXPECT_TRUE(torch::equal(rows.view({-1}), torch::tensor(expected))) << rows;
  EXPECT_TRUE(torch::allclose(linear.weight_absmax(), torch::tensor(std::vector<float>{1.0f, 0.0f, 0.04f})));
  // Forward and backward through the int8 rows equal those of the dequantised matrix.
  const auto dequantized = icma::model::detail::dequantize_int8(linear.weight_int8(), linear.weight_absmax(), torch::kFloat32);
  const auto x = torch::randn({2, 5, 4}).requires_grad_(true);
  const auto y = linear.forward(x);
  y.pow(2).sum().backward();
  const auto x2 = x.detach().clone().requires_grad_(true);
  torch::linear(x2, dequantized).pow(2).sum().backward();
  EXPECT_LT((y - torch::linear(x.detach(), dequantized)).abs().max().item<double>(), 1e-6);
  EXPECT_LT((x.grad() - x2.grad()).abs().max().item<double>(), 1e-5);
}

TEST(Int8Base, HoldsAQuarterOfTheLinearWeightsAndTracksFloat32Logits) {
  auto reference = CausalLM::load(model_dir("llama"));
  icma::model::LoadOptions load;
  load.int8_linear = true;
  auto quantized = CausalLM::load(model_dir("llama"), load);
  int64_t int8_bytes = 0, float_linear = 0;
  for (const auto& item : reference->module().named_parameters()) {
    const std::string& name = item.key();
    const bool linear = name.find("_proj.weight") != std::string::npos;  // Llama: every linear but lm_head
    if (linear) float_linear += item.value().numel();
  }
  for (const auto& item : quantized->module().named_buffers()) {
    if (item.value().scalar_type() == torch::kInt8) int8_bytes += item.value().numel();
  }
  ASSERT_GT(float_linear, 0);
  EXPECT_EQ(int8_bytes, float_linear);  // one byte per weight instead of four
  for (const auto& item : quantized->module().named_parameters()) {
    if (item.key().find("_proj.weight") != std::string::npos) EXPECT_EQ(item.value().numel(), 0) << item.key();
  }
  torch::NoGradGuard no_grad;
  const auto ids = torch::tensor(std::vector<int64_t>{1, 5, 9, 12, 7, 30, 31, 2, 8, 4}).view({2, 5});
  const auto mask = torch::ones_like(ids);
  const auto expected = reference->forward(ids, mask);
  const auto got = quantized->forward(ids, mask);
  const double scale = expected.std().item<double>();
  const double mean_error = (got - expected).abs().mean().item<double>();
  std::printf("int8 base: mean |logit difference| %.3g, max %.3g (logit std %.3g)\n", mean_error,
              (got - expected).abs().max().item<double>(), scale);
  // 8-bit rounding of a 32-wide model's weights: a few percent of the spread.
  EXPECT_LT(mean_error, 0.05 * scale);
  EXPECT_GT(mean_error, 0.0);  // the weights really went through 8 bits
  // Exactly the float32 model whose linear weights are the dequantised rows.
  for (const auto& item : reference->module().named_modules("", false)) {
    auto* linear = dynamic_cast<icma::model::detail::LinearImpl*>(item.value().get());
    if (linear == nullptr || item.key() == "lm_head") continue;
    icma::model::detail::LinearImpl rounded(linear->weight.size(1), linear->weight.size(0), false);
    rounded.weight.set_data(linear->weight.clone());
    rounded.quantize_int8();
    linear->weight.set_data(
        icma::model::detail::dequantize_int8(rounded.weight_int8(), rounded.weight_absmax(), torch::kFloat32));
  }
  EXPECT_LT((reference->forward(ids, mask) - got).abs().max().item<double>(), 1e-5);
}

TEST(Int8Base, LoraOverItTracksFloat32Within2Percent) {
  const double fp32 = trained_loss(torch::kFloat32, true);
  const double int8 = trained_loss(torch::kFloat32, true, /*int8_base=*/true);
  ASSERT_TRUE(std::isfinite(fp32) && std::isfinite(int8));
  EXPECT_LT(std::abs(int8 - fp32) / fp32, 0.02) << "fp32 " << fp32 << " int8 " << int8;
  std::printf("loss after 20 steps: fp32 %.5f, int8 base %.5f (%+.2f%%)\n", fp32, int8, 100 * (int8 - fp32) / fp32);
}

}  // namespace
