#pragma once
// What a BERT or RoBERTa config.json says, reduced to the facts that change
// the encoder's math. Both families share one layout (post-norm layers,
// learned absolute positions, token-type embeddings); they differ in where
// positions start: BERT numbers tokens 0, 1, 2...; RoBERTa (and XLM-RoBERTa,
// CamemBERT) numbers real tokens from padding_idx + 1 and gives padding the
// position padding_idx, as HF's create_position_ids_from_input_ids does.

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace icma::sentence {

enum class Activation { gelu, gelu_tanh, relu };

struct EncoderConfig {
  std::string model_type;  // "bert", "roberta", "xlm-roberta" or "camembert"
  std::int64_t vocab_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t num_layers = 0;
  std::int64_t num_heads = 0;
  std::int64_t intermediate_size = 0;
  std::int64_t max_position_embeddings = 512;
  std::int64_t type_vocab_size = 2;
  double layer_norm_eps = 1e-12;
  Activation activation = Activation::gelu;  // hidden_act "gelu" is the exact (erf) GELU
  std::int64_t pad_token_id = 0;
  bool positions_after_padding = false;      // RoBERTa's position ids: cumsum(mask) * mask + pad

  // From a parsed config.json; `source` names the file in errors, which name
  // the key too ("config.json: \"hidden_size\" must be a positive integer").
  // Defaults are those of HF's BertConfig / RobertaConfig.
  static EncoderConfig from_json(const nlohmann::json& json, const std::string& source);
  // Reads `path` (a config.json, or a directory holding one).
  static EncoderConfig load(const std::filesystem::path& path);

  // The model_type values read here, for messages.
  static std::vector<std::string> supported_types();

  std::int64_t head_dim() const { return hidden_size / num_heads; }
  // The longest input (special tokens included) the position table serves.
  std::int64_t max_sequence_length() const;

  // Every weight of the HF base model (BertModel / RobertaModel without its
  // pooler), named as in a checkpoint without prefix, with its shape.
  struct WeightSpec {
    std::string name;
    std::vector<std::int64_t> shape;
  };
  std::vector<WeightSpec> weight_specs() const;
};

}  // namespace icma::sentence
