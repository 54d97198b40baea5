// config.json -> EncoderConfig. A config.json that leaves a field out means
// what it means to Transformers: the defaults are BertConfig's, and
// RobertaConfig's pad_token_id of 1.

#include "icma/sentence/encoder_config.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "json_file.hpp"

namespace icma::sentence {

std::vector<std::string> EncoderConfig::supported_types() { return {"bert", "roberta", "xlm-roberta", "camembert"}; }

EncoderConfig EncoderConfig::from_json(const nlohmann::json& json, const std::string& source) {
  const detail::JsonFields fields(json, source);
  EncoderConfig config;
  config.model_type = fields.text("model_type", "");
  const std::vector<std::string> types = supported_types();
  if (std::find(types.begin(), types.end(), config.model_type) == types.end()) {
    fields.fail("model_type", (config.model_type.empty() ? std::string("is missing") : "is \"" + config.model_type + "\"") +
                                  "; sentence encoders are bert, roberta, xlm-roberta or camembert");
  }
  config.positions_after_padding = config.model_type != "bert";
  config.vocab_size = fields.positive("vocab_size");
  config.hidden_size = fields.positive("hidden_size");
  config.num_layers = fields.positive("num_hidden_layers");
  config.num_heads = fields.positive("num_attention_heads");
  config.intermediate_size = fields.positive("intermediate_size");
  config.max_position_embeddings = fields.positive("max_position_embeddings", 512);
  config.type_vocab_size = fields.positive("type_vocab_size", 2);
  config.layer_norm_eps = fields.number("layer_norm_eps", 1e-12);
  config.pad_token_id = fields.integer("pad_token_id", config.positions_after_padding ? 1 : 0);
  if (config.hidden_size % config.num_heads != 0) {
    fields.fail("num_attention_heads", "(" + std::to_string(config.num_heads) + ") must divide hidden_size (" +
                                           std::to_string(config.hidden_size) + ")");
  }
  if (config.pad_token_id < 0 || config.pad_token_id >= config.vocab_size) {
    fields.fail("pad_token_id", "must be an id below vocab_size");
  }
  const std::string activation = fields.text("hidden_act", "gelu");
  if (activation == "gelu") {
    config.activation = Activation::gelu;
  } else if (activation == "gelu_new" || activation == "gelu_pytorch_tanh") {
    config.activation = Activation::gelu_tanh;
  } else if (activation == "relu") {
    config.activation = Activation::relu;
  } else {
    fields.fail("hidden_act", "is \"" + activation + "\"; supported: gelu, gelu_new, gelu_pytorch_tanh, relu");
  }
  const std::string positions = fields.text("position_embedding_type", "absolute");
  if (positions != "absolute") {
    fields.fail("position_embedding_type", "is \"" + positions + "\"; only absolute position embeddings are supported");
  }
  if (fields.flag("is_decoder", false)) fields.fail("is_decoder", "is true; a sentence encoder is not a decoder");
  return config;
}

EncoderConfig EncoderConfig::load(const std::filesystem::path& path) {
  const std::filesystem::path file = std::filesystem::is_directory(path) ? path / "config.json" : path;
  return from_json(detail::read_json_object(file), file.string());
}

std::int64_t EncoderConfig::max_sequence_length() const {
  // RoBERTa's first real token sits at position pad + 1.
  return positions_after_padding ? max_position_embeddings - pad_token_id - 1 : max_position_embeddings;
}

std::vector<EncoderConfig::WeightSpec> EncoderConfig::weight_specs() const {
  const std::int64_t h = hidden_size;
  std::vector<WeightSpec> specs = {
      {"embeddings.word_embeddings.weight", {vocab_size, h}},
      {"embeddings.position_embeddings.weight", {max_position_embeddings, h}},
      {"embeddings.token_type_embeddings.weight", {type_vocab_size, h}},
      {"embeddings.LayerNorm.weight", {h}},
      {"embeddings.LayerNorm.bias", {h}},
  };
  for (std::int64_t i = 0; i < num_layers; ++i) {
    const std::string layer = "encoder.layer." + std::to_string(i) + ".";
    for (const char* projection : {"query", "key", "value"}) {
      specs.push_back({layer + "attention.self." + projection + ".weight", {h, h}});
      specs.push_back({layer + "attention.self." + projection + ".bias", {h}});
    }
    specs.push_back({layer + "attention.output.dense.weight", {h, h}});
    specs.push_back({layer + "attention.output.dense.bias", {h}});
    specs.push_back({layer + "attention.output.LayerNorm.weight", {h}});
    specs.push_back({layer + "attention.output.LayerNorm.bias", {h}});
    specs.push_back({layer + "intermediate.dense.weight", {intermediate_size, h}});
    specs.push_back({layer + "intermediate.dense.bias", {intermediate_size}});
    specs.push_back({layer + "output.dense.weight", {h, intermediate_size}});
    specs.push_back({layer + "output.dense.bias", {h}});
    specs.push_back({layer + "output.LayerNorm.weight", {h}});
    specs.push_back({layer + "output.LayerNorm.bias", {h}});
  }
  return specs;
}

}  // namespace icma::sentence
