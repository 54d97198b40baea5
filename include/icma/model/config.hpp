#pragma once
// What a model's config.json says, reduced to the facts that change the math.
// Each supported family (see causal_lm.hpp) fills the same fields, so the
// decoder code never asks "is this OPT?".

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace icma::model {

enum class NormKind { kLayerNorm, kRmsNorm };
enum class PositionKind { kLearned, kRotary };

// rope_scaling {"rope_type": "llama3", ...} (Llama 3.1) or {"type": "linear"}.
struct RopeScaling {
  bool linear = false;  // positions / factor; otherwise Llama 3's frequency bands
  double factor = 1.0;
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  int64_t original_max_position_embeddings = 8192;
};

struct ModelConfig {
  std::string model_type;  // "opt", "llama", "mistral", "qwen2"
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;  // OPT: ffn_dim
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;  // == num_heads unless grouped-query attention
  int64_t head_dim = 0;
  int64_t max_position_embeddings = 0;
  double initializer_range = 0.02;

  NormKind norm = NormKind::kRmsNorm;
  double norm_eps = 1e-6;
  bool norm_affine = true;       // OPT layer_norm_elementwise_affine
  bool norm_before = true;       // OPT do_layer_norm_before (pre-norm)
  bool final_norm = true;        // OPT: false when _remove_final_layer_norm or post-norm
  std::string activation = "silu";  // "relu", "gelu", "gelu_new", "silu"
  bool gated_mlp = true;         // SwiGLU (gate_proj * up_proj) vs fc1 -> fc2
  bool qkv_bias = false;
  bool out_bias = false;         // attention output projection
  bool mlp_bias = false;

  PositionKind positions = PositionKind::kRotary;
  int64_t learned_position_offset = 2;  // OPT's embed_positions offset
  double rope_theta = 10000.0;
  std::optional<RopeScaling> rope_scaling;
  std::optional<int64_t> sliding_window;  // Mistral: a token sees this many, itself included

  // Not read from config.json: how attention is computed. kSdpa calls
  // LibTorch's scaled_dot_product_attention (LibTorch >= 2.1: flash and
  // memory-efficient kernels on GPU), kEager HF's eager operations; both take
  // the same causal, sliding-window and padding mask and give equal logits.
  enum class AttentionKernel { kEager, kSdpa };
  AttentionKernel attention = AttentionKernel::kEager;

  // Dropout in training mode (OPT: "dropout" after attention and MLP,
  // "attention_dropout" on attention weights, "activation_dropout" after the
  // MLP's activation; Llama family: "attention_dropout").
  double hidden_dropout = 0.0;
  double attention_dropout = 0.0;
  double activation_dropout = 0.0;

  bool tie_word_embeddings = false;
  int64_t word_embed_proj_dim = 0;  // OPT: != hidden_size adds project_in/out

  std::optional<int64_t> bos_token_id;
  std::vector<int64_t> eos_token_ids;
  std::optional<int64_t> pad_token_id;

  // How this family names its weights in a HF checkpoint.
  struct Naming {
    std::string decoder;          // "model.decoder." (OPT) or "model."
    std::string attention_out;    // "out_proj" (OPT) or "o_proj"
    std::string norm_before_attention;  // "self_attn_layer_norm" or "input_layernorm"
    std::string norm_before_mlp;        // "final_layer_norm" or "post_attention_layernorm"
    std::string final_norm;             // "final_layer_norm" or "norm"
    std::string mlp;              // "" (OPT: fc1/fc2 sit on the layer) or "mlp."
  } naming;

  // The config.json text it was read from, written back by CausalLM::save.
  std::string json_text;

  // From a parsed config.json; `source` names the file in errors.
  static ModelConfig from_json(const nlohmann::json& json, const std::string& source);
  // Reads `path` (a config.json, or a directory holding one).
  static ModelConfig load(const std::filesystem::path& path);

  // The supported model_type values, for messages and --help.
  static std::vector<std::string> supported_types();

  // Every weight of a HF checkpoint of this model, in module order, with its
  // shape (tied weights listed once), and the total parameter count. Needs no
  // memory for the weights, so a 7B config is checked in microseconds.
  struct WeightSpec {
    std::string name;
    std::vector<int64_t> shape;
  };
  std::vector<WeightSpec> weight_specs() const;
  int64_t num_parameters() const;
};

// The one padding-token rule of training, generation and scoring: the
// config's pad_token_id, else the tokenizer's pad token (`tokenizer_pad`),
// else the first of `eos_token_ids` (as HF generate does with its EOS list),
// else 0. Padding is masked out of attention and loss, so the choice shows
// only in what finished rows emit and in the repetition penalty's view of
// padded rows.
int64_t pad_token_id_for(const ModelConfig& config, std::optional<int64_t> tokenizer_pad,
                         const std::vector<int64_t>& eos_token_ids);

}  // namespace icma::model
