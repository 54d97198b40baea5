// Real config files load; Galactica's written configs have the published
// sizes; Mistral-7B's real sharded index fits our Mistral name for name.

#include <gtest/gtest.h>

#include <string>

#include "icma/core/error.hpp"
#include "icma/model/checkpoint.hpp"
#include "icma/model/config.hpp"
#include "test_support.hpp"

namespace {

using icma::model::ModelConfig;

std::string shared_model(const std::string& name) { return icma::testing::shared_dir() + "/models/" + name; }
std::string config_file(const std::string& name) { return std::string(ICMA_SOURCE_DIR) + "/configs/models/" + name; }

TEST(ModelConfig, Mistral7B) {
  const ModelConfig config = ModelConfig::load(shared_model("mistral-7b-v0.1"));
  EXPECT_EQ(config.model_type, "mistral");
  EXPECT_EQ(config.num_layers, 32);
  EXPECT_EQ(config.num_kv_heads, 8);
  EXPECT_EQ(config.head_dim, 128);
  EXPECT_EQ(config.sliding_window, 4096);
  EXPECT_EQ(config.norm_eps, 1e-5);
  EXPECT_FALSE(config.qkv_bias);
  EXPECT_FALSE(config.tie_word_embeddings);
  EXPECT_EQ(config.eos_token_ids, std::vector<int64_t>{2});
  // 7.24 B parameters, as Mistral AI publishes (7,241,732,096).
  EXPECT_EQ(config.num_parameters(), 7241732096);
}

TEST(ModelConfig, Mistral7BShardedIndexNamesEveryParameter) {
  const auto checkpoint = icma::model::find_checkpoint(shared_model("mistral-7b-v0.1"), /*require_shards=*/false);
  ASSERT_EQ(checkpoint.files.size(), 2u);
  ASSERT_EQ(checkpoint.weight_map.size(), 291u);
  std::vector<std::string> names;
  for (const auto& entry : checkpoint.weight_map) names.push_back(entry.first);
  const ModelConfig config = ModelConfig::load(shared_model("mistral-7b-v0.1"));
  EXPECT_NO_THROW(icma::model::check_weight_names(config, names, checkpoint.source.string()));
  // And the check has teeth: one name fewer is reported by name.
  names.erase(std::find(names.begin(), names.end(), "model.layers.7.mlp.up_proj.weight"));
  EXPECT_NE(icma::testing::input_error_message([&] { icma::model::check_weight_names(config, names, "index"); })
                .find("missing weights: model.layers.7.mlp.up_proj.weight"),
            std::string::npos);
  // Shards are not here: loading says which one is missing.
  EXPECT_NE(icma::testing::input_error_message([&] { icma::model::find_checkpoint(shared_model("mistral-7b-v0.1")); })
                .find("shard model-00001-of-00002.safetensors is missing"),
            std::string::npos);
}

TEST(ModelConfig, Qwen25) {
  const ModelConfig config = ModelConfig::load(shared_model("qwen2.5-0.5b-instruct"));
  EXPECT_EQ(config.model_type, "qwen2");
  EXPECT_TRUE(config.qkv_bias);
  EXPECT_FALSE(config.out_bias);
  EXPECT_TRUE(config.tie_word_embeddings);
  EXPECT_FALSE(config.sliding_window.has_value());  // use_sliding_window is false
  EXPECT_EQ(config.rope_theta, 1000000.0);
  EXPECT_EQ(config.head_dim, 64);
  // Qwen2.5-0.5B: 494,032,768 parameters (0.49 B; the model card's "0.49B").
  EXPECT_EQ(config.num_parameters(), 494032768);
}

TEST(ModelConfig, Gpt2IsRefusedWithTheSupportedList) {
  EXPECT_EQ(icma::testing::input_error_message([] { ModelConfig::load(shared_model("gpt2")); }),
            shared_model("gpt2") + "/config.json: unsupported model_type \"gpt2\" (supported: opt, llama, mistral, qwen2)");
}

TEST(ModelConfig, GalacticaConfigsHaveThePublishedSizes) {
  const ModelConfig small = ModelConfig::load(config_file("galactica-125m.json"));
  EXPECT_EQ(small.activation, "gelu");
  EXPECT_TRUE(small.tie_word_embeddings);
  EXPECT_EQ(small.num_parameters(), 125030400);  // "125M"
  const ModelConfig large = ModelConfig::load(config_file("galactica-1.3b.json"));
  EXPECT_EQ(large.num_layers, 24);
  EXPECT_EQ(large.num_parameters(), 1315201024);  // "1.3B"
}

TEST(ModelConfig, BadFieldsAreNamed) {
  const std::string dir = icma::testing::temp_dir();
  auto load_text = [&](const std::string& text) {
    icma::testing::write_text(dir + "/config.json", text);
    return icma::testing::input_error_message([&] { ModelConfig::load(dir); });
  };
  EXPECT_NE(load_text(R"({"model_type":"llama","vocab_size":10,"hidden_size":8,"num_attention_heads":2})")
                .find("missing \"num_hidden_layers\""),
            std::string::npos);
  EXPECT_NE(load_text(R"({"model_type":"llama","vocab_size":10,"hidden_size":8,"num_hidden_layers":1,)"
                      R"("num_attention_heads":3,"intermediate_size":4})")
                .find("not a multiple of num_attention_heads"),
            std::string::npos);
  EXPECT_NE(load_text(R"({"model_type":"llama","vocab_size":10,"hidden_size":8,"num_hidden_layers":1,)"
                      R"("num_attention_heads":2,"intermediate_size":4,"hidden_act":"mish"})")
                .find("unsupported activation \"mish\""),
            std::string::npos);
  EXPECT_NE(load_text(R"({"model_type":"llama","vocab_size":10,"hidden_size":8,"num_hidden_layers":1,)"
                      R"("num_attention_heads":2,"intermediate_size":4,"rope_scaling":{"type":"yarn","factor":2}})")
                .find("unsupported rope_scaling type \"yarn\""),
            std::string::npos);
  EXPECT_NE(load_text("{not json").find("not valid JSON"), std::string::npos);
}

}  // namespace
