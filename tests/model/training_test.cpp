// icma-train's library side: what the loss counts, what LoRA leaves alone,
// that a resumed run ends bit-identical, and the PEFT layout of adapters.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <string>

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/core/random.hpp"
#include "icma/model/causal_lm.hpp"
#include "icma/model/data_parallel.hpp"
#include "icma/model/lora.hpp"
#include "icma/model/trainer.hpp"
#include "icma/weights/state_dict.hpp"
#include "icma/weights/tensor_file.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using icma::model::CausalLM;
using icma::model::TrainingExample;

std::string model_dir(const std::string& name) { return icma::testing::fixture_path("models/" + name); }

// Examples whose target repeats a pattern of their prompt, so they can be learnt.
std::vector<TrainingExample> synthetic_examples(int count, uint64_t seed) {
  icma::Rng rng(seed);
  std::vector<TrainingExample> examples;
  for (int i = 0; i < count; ++i) {
    TrainingExample example;
    example.id = std::to_string(i);
    const int length = 6 + static_cast<int>(rng.below(8));
    for (int t = 0; t < length; ++t) example.ids.push_back(3 + static_cast<int64_t>(rng.below(40)));
    example.loss_from = static_cast<int64_t>(example.ids.size());
    for (int t = 0; t < 4; ++t) example.ids.push_back(example.ids[static_cast<std::size_t>(t)] + 40);
    examples.push_back(std::move(example));
  }
  return examples;
}

icma::model::TrainingOptions small_options(const std::string& out) {
  icma::model::TrainingOptions options;
  options.out = out;
  options.base_model = "llama";
  options.lora = icma::model::LoraConfig{};
  options.lora->r = 4;
  options.lora->alpha = 8;
  options.lora->dropout = 0.1;  // dropout draws must also resume exactly
  options.global_batch = 4;
  options.micro_batch = 2;
  options.max_steps = 6;
  options.learning_rate = 5e-3;
  options.warmup_steps = 2;
  options.save_steps = 3;
  return options;
}

std::unique_ptr<CausalLM> lora_model(icma::model::TrainingOptions& options) {
  auto model = CausalLM::load(model_dir("llama"));
  icma::model::attach_lora(*model, *options.lora, 11);
  return model;
}

TEST(Training, LossCountsOnlyTargetTokens) {
  auto model = CausalLM::load(model_dir("llama"));
  const auto examples = synthetic_examples(2, 1);
  const double mean = icma::model::evaluate_loss(*model, examples, 2, 0);
  // By hand: log-softmax at the positions that predict target tokens only.
  torch::NoGradGuard no_grad;
  double sum = 0;
  int64_t count = 0;
  for (const auto& example : examples) {
    const auto ids = torch::tensor(example.ids, torch::kInt64).unsqueeze(0);
    const auto logits = model->forward(ids, torch::ones_like(ids))[0];
    const auto log_probs = torch::log_softmax(logits.to(torch::kFloat64), -1);
    for (std::size_t t = static_cast<std::size_t>(example.loss_from); t < example.ids.size(); ++t) {
      sum -= log_probs[static_cast<int64_t>(t) - 1][example.ids[t]].item<double>();
      ++count;
    }
  }
  EXPECT_EQ(count, 8);
  EXPECT_NEAR(mean, sum / count, 1e-5);
  // Changing a prompt token's identity changes the loss only through the
  // context, never as a counted prediction: with train_on_inputs it counts.
  auto all_tokens = examples;
  for (auto& example : all_tokens) example.loss_from = 0;
  EXPECT_GT(std::abs(icma::model::evaluate_loss(*model, all_tokens, 2, 0) - mean), 1e-3);
}

TEST(Training, LoraLeavesBaseWeightsBitIdenticalAndLowersTheLoss) {
  const std::string out = icma::testing::temp_dir() + "/lora-run";
  auto options = small_options(out);
  options.max_steps = 20;
  options.save_steps = 0;
  auto model = lora_model(options);
  const auto before = icma::weights::state_dict(model->module());
  const auto train_set = synthetic_examples(16, 2);
  auto parallel = icma::model::DataParallel::from_environment();
  const auto result = icma::model::train(*model, train_set, train_set, options, *parallel);
  ASSERT_TRUE(result.first_eval_loss && result.final_eval_loss);
  EXPECT_LT(*result.final_eval_loss, *result.first_eval_loss * 0.9);
  const auto after = icma::weights::state_dict(model->module());
  int lora_changed = 0;
  for (const auto& [name, tensor] : before) {
    const bool lora = name.find(".lora_") != std::string::npos;
    if (lora) {
      lora_changed += !torch::equal(tensor, after.at(name));
    } else {
      EXPECT_TRUE(torch::equal(tensor, after.at(name))) << name << " changed";
    }
  }
  EXPECT_GT(lora_changed, 0);
}

TEST(Training, ResumedRunEndsBitIdentical) {
  const auto train_set = synthetic_examples(10, 3);  // 10 / 4: a short last batch each epoch
  auto parallel = icma::model::DataParallel::from_environment();

  const std::string straight = icma::testing::temp_dir() + "/straight";
  auto options = small_options(straight);
  auto model = lora_model(options);
  icma::model::train(*model, train_set, {}, options, *parallel);

  const std::string interrupted = icma::testing::temp_dir() + "/interrupted";
  auto first = small_options(interrupted);
  first.stop_after_steps = 3;
  auto model_a = lora_model(first);
  EXPECT_EQ(icma::model::train(*model_a, train_set, {}, first, *parallel).steps, 3);
  auto second = small_options(interrupted);
  second.resume = true;
  auto model_b = lora_model(second);  // a fresh process: new model, new LoRA init
  const auto resumed = icma::model::train(*model_b, train_set, {}, second, *parallel);
  EXPECT_EQ(resumed.resumed_from, 3);
  EXPECT_EQ(resumed.steps, 6);

  EXPECT_EQ(icma::read_file(straight + "/adapter_model.safetensors"),
            icma::read_file(interrupted + "/adapter_model.safetensors"));
}

TEST(Training, ResumeRefusesAnotherRunsCheckpoint) {
  const auto train_set = synthetic_examples(8, 4);
  auto parallel = icma::model::DataParallel::from_environment();
  const std::string out = icma::testing::temp_dir() + "/mismatch";
  auto options = small_options(out);
  options.max_steps = 3;
  auto model = lora_model(options);
  icma::model::train(*model, train_set, {}, options, *parallel);
  auto other = small_options(out);
  other.max_steps = 3;
  other.learning_rate = 1e-4;
  other.resume = true;
  auto model_b = lora_model(other);
  EXPECT_THROW(icma::model::train(*model_b, train_set, {}, other, *parallel), icma::InputError);
}

TEST(Training, AdapterHasPeftNamesAndMergingEqualsRunningWithIt) {
  const std::string out = icma::testing::temp_dir() + "/peft";
  auto options = small_options(out);
  options.max_steps = 4;
  options.save_steps = 0;
  options.lora->dropout = 0;
  auto model = lora_model(options);
  auto parallel = icma::model::DataParallel::from_environment();
  icma::model::train(*model, synthetic_examples(8, 5), {}, options, *parallel);

  // PEFT's layout (peft/utils/save_and_load.py: keys without the adapter
  // name; LoraConfig fields), checked against the fixture written from it.
  const nlohmann::json expected = icma::testing::load_json(icma::testing::fixture_path("models/peft_layout.json"));
  const auto saved = icma::weights::read_safetensors(out + "/adapter_model.safetensors");
  std::vector<std::string> names;
  for (const auto& entry : saved) names.push_back(entry.first);
  EXPECT_EQ(names, expected["keys"].get<std::vector<std::string>>());
  const nlohmann::json config = nlohmann::json::parse(icma::read_file(out + "/adapter_config.json"));
  for (const auto& [key, value] : expected["config"].items()) EXPECT_EQ(config.at(key), value) << key;

  icma::model::LoadOptions load;
  load.adapter = out;
  const auto merged = CausalLM::load(model_dir("llama"), load);
  const auto ids = torch::tensor({5, 9, 33, 2, 17, 8}, torch::kInt64).unsqueeze(0);
  torch::NoGradGuard no_grad;
  model->module().eval();
  const auto with_adapter = model->forward(ids, torch::ones_like(ids));
  const auto folded = merged->forward(ids, torch::ones_like(ids));
  EXPECT_TRUE(torch::allclose(with_adapter, folded, 0, 1e-5)) << (with_adapter - folded).abs().max().item<double>();
  EXPECT_GT((with_adapter - CausalLM::load(model_dir("llama"))->forward(ids, torch::ones_like(ids))).abs().max().item<double>(), 1e-3);
}

}  // namespace
