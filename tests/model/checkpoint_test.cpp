// Broken model directories fail with messages that name the problem.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <string>

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/model/causal_lm.hpp"
#include "icma/weights/tensor_file.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using icma::model::CausalLM;

// A copy of the mistral fixture whose weights `edit` may change.
std::string broken_model(const std::string& name, const std::function<void(icma::weights::TensorMap&)>& edit) {
  const fs::path dir = fs::path(icma::testing::temp_dir()) / name;
  fs::create_directories(dir);
  const fs::path source = icma::testing::fixture_path("models/mistral");
  fs::copy_file(source / "config.json", dir / "config.json", fs::copy_options::overwrite_existing);
  icma::weights::TensorMap tensors = icma::weights::read_safetensors(source / "model.safetensors");
  for (auto& entry : tensors) entry.second = entry.second.clone();
  edit(tensors);
  icma::weights::write_safetensors(dir / "model.safetensors", tensors);
  return dir.string();
}

TEST(Checkpoint, MissingWeightIsNamed) {
  const std::string dir = broken_model("missing", [](auto& t) { t.erase("model.layers.1.mlp.down_proj.weight"); });
  EXPECT_EQ(icma::testing::input_error_message([&] { CausalLM::load(dir); }),
            dir + "/model.safetensors: missing weights: model.layers.1.mlp.down_proj.weight");
}

TEST(Checkpoint, ShapeMismatchIsNamed) {
  const std::string dir = broken_model("shape", [](auto& t) { t["model.norm.weight"] = torch::ones({31}); });
  EXPECT_EQ(icma::testing::input_error_message([&] { CausalLM::load(dir); }),
            dir + "/model.safetensors: weight \"model.norm.weight\" has shape [31] but the model needs [32]");
}

TEST(Checkpoint, UnexpectedWeightIsNamed) {
  const std::string dir = broken_model("extra", [](auto& t) { t["model.layers.9.mlp.up_proj.weight"] = torch::ones({1}); });
  EXPECT_NE(icma::testing::input_error_message([&] { CausalLM::load(dir); }).find("weights the model does not have: model.layers.9.mlp.up_proj.weight"),
            std::string::npos);
}

TEST(Checkpoint, TruncatedSafetensorsIsAnInputError) {
  const std::string dir = broken_model("truncated", [](auto&) {});
  const std::string bytes = icma::read_file(dir + "/model.safetensors");
  icma::testing::write_text(dir + "/model.safetensors", bytes.substr(0, bytes.size() - 100));
  EXPECT_NE(icma::testing::input_error_message([&] { CausalLM::load(dir); }).find("truncated file?"), std::string::npos);
}

TEST(Checkpoint, NoWeightsOrNoConfig) {
  const fs::path dir = fs::path(icma::testing::temp_dir()) / "empty-model";
  fs::create_directories(dir);
  EXPECT_NE(icma::testing::input_error_message([&] { CausalLM::load(dir); }).find("config.json: cannot open"), std::string::npos);
  fs::copy_file(icma::testing::fixture_path("models/mistral/config.json"), dir / "config.json");
  EXPECT_NE(icma::testing::input_error_message([&] { CausalLM::load(dir); }).find("no weights"), std::string::npos);
}

TEST(Checkpoint, ShardThatHoldsAnUnlistedWeightIsRefused) {
  const fs::path dir = fs::path(icma::testing::temp_dir()) / "bad-shards";
  fs::create_directories(dir);
  const fs::path source = icma::testing::fixture_path("models/qwen2");
  for (const auto& entry : fs::directory_iterator(source)) {
    fs::copy_file(entry.path(), dir / entry.path().filename(), fs::copy_options::overwrite_existing);
  }
  std::string index = icma::read_file((dir / "model.safetensors.index.json").string());
  const std::string moved = "\"model.norm.weight\": \"model-00002-of-00002.safetensors\"";
  const auto at = index.find(moved);
  ASSERT_NE(at, std::string::npos);
  index.replace(at, moved.size(), "\"model.norm.weight\": \"model-00001-of-00002.safetensors\"");
  icma::testing::write_text((dir / "model.safetensors.index.json").string(), index);
  EXPECT_NE(icma::testing::input_error_message([&] { CausalLM::load(dir); }).find("which the index does not place in this shard"), std::string::npos);
}

}  // namespace
