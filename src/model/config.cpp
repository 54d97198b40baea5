// config.json -> ModelConfig, one reader per family. Defaults are those of
// the family's HF *Config class, so a config.json that leaves a field out
// means what it means to Transformers.

#include "icma/model/config.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "icma/core/atomic_file.hpp"
#include "icma/core/cli_checks.hpp"
#include "icma/core/error.hpp"

namespace icma::model {
namespace {

class Fields {
 public:
  Fields(const nlohmann::json& json, const std::string& source) : json_(json), source_(source) {}

  [[noreturn]] void fail(const std::string& what) const { throw InputError(source_, 0, what); }

  bool has(const char* key) const { return json_.contains(key) && !json_.at(key).is_null(); }

  int64_t positive(const char* key) const {
    if (!has(key)) fail(std::string("missing \"") + key + "\"");
    return positive_value(key);
  }
  int64_t positive(const char* key, int64_t fallback) const { return has(key) ? positive_value(key) : fallback; }
  // A number in [low, high] (an open upper end when `high_excluded`):
  // dropouts below 1, epsilons and rope bases above 0, nothing infinite.
  double number(const char* key, double fallback, double low, double high, bool high_excluded = false) const {
    if (!has(key)) return fallback;
    if (!json_.at(key).is_number()) fail(std::string("\"") + key + "\" must be a number");
    const double value = json_.at(key).get<double>();
    if (!std::isfinite(value) || value < low || value > high || (high_excluded && value == high)) {
      fail(std::string("\"") + key + "\" must be in [" + cli::short_number(low) + ", " + cli::short_number(high) +
           (high_excluded ? ")" : "]") + ", got " + cli::short_number(value));
    }
    return value;
  }
  bool flag(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    if (!json_.at(key).is_boolean()) fail(std::string("\"") + key + "\" must be true or false");
    return json_.at(key).get<bool>();
  }
  std::string text(const char* key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    if (!json_.at(key).is_string()) fail(std::string("\"") + key + "\" must be a string");
    return json_.at(key).get<std::string>();
  }
  std::optional<int64_t> token(const char* key) const {
    if (!has(key)) return std::nullopt;
    if (!json_.at(key).is_number_integer()) fail(std::string("\"") + key + "\" must be an integer");
    return json_.at(key).get<int64_t>();
  }
  // eos_token_id is an integer or a list of them.
  std::vector<int64_t> tokens(const char* key) const {
    if (!has(key)) return {};
    const nlohmann::json& value = json_.at(key);
    if (value.is_number_integer()) return {value.get<int64_t>()};
    std::vector<int64_t> ids;
    if (value.is_array()) {
      for (const auto& id : value) {
        if (!id.is_number_integer()) fail(std::string("\"") + key + "\" must hold integers");
        ids.push_back(id.get<int64_t>());
      }
      return ids;
    }
    fail(std::string("\"") + key + "\" must be an integer or a list of integers");
  }
  const nlohmann::json& at(const char* key) const { return json_.at(key); }

 private:
  // Sizes: positive, and at most 2^24 (no real model comes near; a hostile
  // config would otherwise ask for terabytes before anything is checked).
  int64_t positive_value(const char* key) const {
    const nlohmann::json& value = json_.at(key);
    if (!value.is_number_integer() || value.get<int64_t>() <= 0 || value.get<int64_t>() > (int64_t{1} << 24)) {
      fail(std::string("\"") + key + "\" must be a positive integer of at most 16777216");
    }
    return value.get<int64_t>();
  }
  const nlohmann::json& json_;
  const std::string& source_;
};

const std::vector<std::string>& supported_activations() {
  static const std::vector<std::string> names{"relu", "gelu", "gelu_new", "gelu_pytorch_tanh", "silu", "swish"};
  return names;
}

void check_activation(const Fields& fields, const std::string& activation) {
  const auto& names = supported_activations();
  if (std::find(names.begin(), names.end(), activation) == names.end()) {
    std::string list;
    for (const auto& name : names) list += (list.empty() ? "" : ", ") + name;
    fields.fail("unsupported activation \"" + activation + "\" (supported: " + list + ")");
  }
}

// OPTConfig: Galactica, OPT.
void read_opt(const Fields& fields, ModelConfig& config) {
  config.intermediate_size = fields.positive("ffn_dim");
  config.num_kv_heads = config.num_heads;
  config.max_position_embeddings = fields.positive("max_position_embeddings", 2048);
  config.initializer_range = fields.number("init_std", 0.02, 0, 1e3);
  config.norm = NormKind::kLayerNorm;
  config.norm_eps = 1e-5;  // OPT's nn.LayerNorm default
  config.norm_affine = fields.flag("layer_norm_elementwise_affine", true);
  config.norm_before = fields.flag("do_layer_norm_before", true);
  config.final_norm = config.norm_before && !fields.flag("_remove_final_layer_norm", false);
  config.activation = fields.text("activation_function", "relu");
  config.gated_mlp = false;
  const bool bias = fields.flag("enable_bias", true);
  config.qkv_bias = config.out_bias = config.mlp_bias = bias;
  config.positions = PositionKind::kLearned;
  config.learned_position_offset = 2;
  config.tie_word_embeddings = fields.flag("tie_word_embeddings", true);
  config.word_embed_proj_dim = fields.positive("word_embed_proj_dim", config.hidden_size);
  config.hidden_dropout = fields.number("dropout", 0.1, 0, 1, true);
  config.attention_dropout = fields.number("attention_dropout", 0.0, 0, 1, true);
  config.activation_dropout = fields.number("activation_dropout", 0.0, 0, 1, true);
  config.naming = {"model.decoder.", "out_proj", "self_attn_layer_norm", "final_layer_norm", "final_layer_norm", ""};
}

// LlamaConfig, MistralConfig, Qwen2Config.
void read_llama_family(const Fields& fields, ModelConfig& config) {
  const std::string& type = config.model_type;
  config.intermediate_size = fields.positive("intermediate_size");
  config.num_kv_heads = fields.positive("num_key_value_heads", config.num_heads);
  config.max_position_embeddings = fields.positive("max_position_embeddings", type == "llama" ? 2048 : 32768);
  config.initializer_range = fields.number("initializer_range", 0.02, 0, 1e3);
  config.norm = NormKind::kRmsNorm;
  config.norm_eps = fields.number("rms_norm_eps", 1e-6, 1e-30, 1);
  config.activation = fields.text("hidden_act", "silu");
  config.gated_mlp = true;
  if (type == "qwen2") {
    config.qkv_bias = true;
  } else {
    config.qkv_bias = config.out_bias = fields.flag("attention_bias", false);
  }
  config.mlp_bias = type == "llama" && fields.flag("mlp_bias", false);
  config.positions = PositionKind::kRotary;
  config.rope_theta = fields.number("rope_theta", 10000.0, 1e-30, 1e30);
  if (fields.has("rope_scaling")) {
    const nlohmann::json& scaling = fields.at("rope_scaling");
    const std::string kind = scaling.value("rope_type", scaling.value("type", std::string("default")));
    if (kind == "llama3" || kind == "linear") {
      RopeScaling rope;
      rope.factor = scaling.value("factor", 1.0);
      if (kind == "llama3") {
        rope.low_freq_factor = scaling.value("low_freq_factor", 1.0);
        rope.high_freq_factor = scaling.value("high_freq_factor", 4.0);
        rope.original_max_position_embeddings = scaling.value("original_max_position_embeddings", int64_t{8192});
      } else {
        rope.linear = true;
      }
      config.rope_scaling = rope;
    } else if (kind != "default") {
      fields.fail("unsupported rope_scaling type \"" + kind + "\" (supported: llama3, linear)");
    }
  }
  if (type == "mistral") {
    config.sliding_window = fields.has("sliding_window") ? std::optional<int64_t>(fields.positive("sliding_window"))
                                                         : std::nullopt;
  }
  if (type == "qwen2" && fields.flag("use_sliding_window", false)) {
    fields.fail("qwen2 with \"use_sliding_window\": true is not supported");
  }
  config.tie_word_embeddings = fields.flag("tie_word_embeddings", false);
  config.word_embed_proj_dim = config.hidden_size;
  config.attention_dropout = fields.number("attention_dropout", 0.0, 0, 1, true);
  config.naming = {"model.", "o_proj", "input_layernorm", "post_attention_layernorm", "norm", "mlp."};
}

}  // namespace

std::vector<std::string> ModelConfig::supported_types() { return {"opt", "llama", "mistral", "qwen2"}; }

ModelConfig ModelConfig::from_json(const nlohmann::json& json, const std::string& source) {
  if (!json.is_object()) throw InputError(source, 0, "config is not a JSON object");
  const Fields fields(json, source);
  ModelConfig config;
  config.json_text = json.dump(2);
  config.model_type = fields.text("model_type", "");
  const auto types = supported_types();
  if (std::find(types.begin(), types.end(), config.model_type) == types.end()) {
    throw InputError(source, 0,
                     (config.model_type.empty() ? std::string("no \"model_type\"")
                                                : "unsupported model_type \"" + config.model_type + "\"") +
                         " (supported: opt, llama, mistral, qwen2)");
  }
  config.vocab_size = fields.positive("vocab_size");
  config.hidden_size = fields.positive("hidden_size");
  config.num_layers = fields.positive("num_hidden_layers");
  config.num_heads = fields.positive("num_attention_heads");
  if (config.model_type == "opt") {
    read_opt(fields, config);
  } else {
    read_llama_family(fields, config);
  }
  check_activation(fields, config.activation);
  if (config.model_type == "opt" || !fields.has("head_dim")) {
    if (config.hidden_size % config.num_heads != 0) {
      fields.fail("hidden_size " + std::to_string(config.hidden_size) + " is not a multiple of num_attention_heads " +
                  std::to_string(config.num_heads));
    }
    config.head_dim = config.hidden_size / config.num_heads;
  } else {
    config.head_dim = fields.positive("head_dim");
  }
  if (config.num_heads % config.num_kv_heads != 0) {
    fields.fail("num_attention_heads " + std::to_string(config.num_heads) + " is not a multiple of num_key_value_heads " +
                std::to_string(config.num_kv_heads));
  }
  if (config.positions == PositionKind::kRotary && config.head_dim % 2 != 0) fields.fail("rotary positions need an even head_dim");
  config.bos_token_id = fields.token("bos_token_id");
  config.eos_token_ids = fields.tokens("eos_token_id");
  config.pad_token_id = fields.token("pad_token_id");
  // Each size is bounded, their products are not: counted in floating point
  // (int64_t would overflow), a config of over 10^13 parameters describes no
  // model this could hold, and num_parameters() would overflow.
  double parameters = 0;
  for (const WeightSpec& spec : config.weight_specs()) {
    double count = 1;
    for (const int64_t size : spec.shape) count *= static_cast<double>(size);
    parameters += count;
  }
  if (parameters > 1e13) fields.fail("describes a model of " + cli::short_number(parameters) + " parameters (at most 1e+13)");
  return config;
}

ModelConfig ModelConfig::load(const std::filesystem::path& path) {
  const std::filesystem::path file = std::filesystem::is_directory(path) ? path / "config.json" : path;
  const std::string text = read_file(file.string());
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& error) {
    throw InputError(file.string(), 0, std::string("not valid JSON: ") + error.what());
  }
  return from_json(json, file.string());
}

std::vector<ModelConfig::WeightSpec> ModelConfig::weight_specs() const {
  std::vector<WeightSpec> specs;
  const std::string& decoder = naming.decoder;
  const bool layer_norm = norm == NormKind::kLayerNorm;
  auto add_linear = [&](const std::string& name, int64_t in, int64_t out, bool bias) {
    specs.push_back({name + ".weight", {out, in}});
    if (bias) specs.push_back({name + ".bias", {out}});
  };
  auto add_norm = [&](const std::string& name) {
    if (!norm_affine) return;
    specs.push_back({name + ".weight", {hidden_size}});
    if (layer_norm) specs.push_back({name + ".bias", {hidden_size}});
  };
  specs.push_back({decoder + "embed_tokens.weight", {vocab_size, word_embed_proj_dim}});
  if (positions == PositionKind::kLearned) {
    specs.push_back({decoder + "embed_positions.weight", {max_position_embeddings + learned_position_offset, hidden_size}});
  }
  if (word_embed_proj_dim != hidden_size) {
    add_linear(decoder + "project_in", word_embed_proj_dim, hidden_size, false);
    add_linear(decoder + "project_out", hidden_size, word_embed_proj_dim, false);
  }
  if (final_norm && positions == PositionKind::kLearned) add_norm(decoder + naming.final_norm);
  const int64_t q_size = num_heads * head_dim;
  const int64_t kv_size = num_kv_heads * head_dim;
  for (int64_t i = 0; i < num_layers; ++i) {
    const std::string layer = decoder + "layers." + std::to_string(i) + ".";
    add_linear(layer + "self_attn.q_proj", hidden_size, q_size, qkv_bias);
    add_linear(layer + "self_attn.k_proj", hidden_size, kv_size, qkv_bias);
    add_linear(layer + "self_attn.v_proj", hidden_size, kv_size, qkv_bias);
    add_linear(layer + "self_attn." + naming.attention_out, q_size, hidden_size, out_bias);
    add_norm(layer + naming.norm_before_attention);
    if (gated_mlp) {
      add_linear(layer + naming.mlp + "gate_proj", hidden_size, intermediate_size, mlp_bias);
      add_linear(layer + naming.mlp + "up_proj", hidden_size, intermediate_size, mlp_bias);
      add_linear(layer + naming.mlp + "down_proj", intermediate_size, hidden_size, mlp_bias);
    } else {
      add_linear(layer + naming.mlp + "fc1", hidden_size, intermediate_size, mlp_bias);
      add_linear(layer + naming.mlp + "fc2", intermediate_size, hidden_size, mlp_bias);
    }
    add_norm(layer + naming.norm_before_mlp);
  }
  if (final_norm && positions == PositionKind::kRotary) add_norm(decoder + naming.final_norm);
  if (!tie_word_embeddings) add_linear("lm_head", word_embed_proj_dim, vocab_size, false);
  return specs;
}

int64_t ModelConfig::num_parameters() const {
  int64_t total = 0;
  for (const WeightSpec& spec : weight_specs()) {
    int64_t count = 1;
    for (int64_t size : spec.shape) count *= size;
    total += count;
  }
  return total;
}

int64_t pad_token_id_for(const ModelConfig& config, std::optional<int64_t> tokenizer_pad,
                         const std::vector<int64_t>& eos_token_ids) {
  if (config.pad_token_id) return *config.pad_token_id;
  if (tokenizer_pad) return *tokenizer_pad;
  if (!eos_token_ids.empty()) return eos_token_ids.front();
  return 0;
}

}  // namespace icma::model
