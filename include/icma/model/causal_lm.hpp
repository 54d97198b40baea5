#pragma once
// A causal language model loaded from a Hugging Face model directory
// (config.json + model.safetensors, a sharded model.safetensors.index.json, or
// pytorch_model.bin), computed with LibTorch.
//
// One decoder design covers every supported architecture; ModelConfig says
// which norm, activation, position scheme and biases a family uses:
//   opt      OPT and Galactica: LayerNorm, learned positions (offset 2), fc1/fc2
//   llama    RMSNorm, rotary positions, SwiGLU, grouped-query attention
//   mistral  llama + sliding-window attention
//   qwen2    llama + q/k/v biases
//
// Positions come from the attention mask, as Hugging Face's generate() makes
// them: the position of a token is the number of real (mask = 1) tokens before
// it, so left-padded rows behave exactly like unpadded ones.

#include <icma/model/config.hpp>

#include <torch/nn/module.h>
#include <torch/types.h>

#include <filesystem>
#include <optional>
#include <memory>
#include <vector>

namespace icma::model {

struct LoadOptions {
  torch::Dtype dtype = torch::kFloat32;  // compute dtype (weights are converted)
  torch::Device device = torch::kCPU;
  std::filesystem::path adapter;  // a PEFT LoRA adapter directory, merged at load; empty = none
  // Every linear weight but lm_head kept in 8 bits (one int8 row per output
  // feature and its absmax, as bitsandbytes' load_in_8bit stores a frozen
  // base), dequantised to `dtype` at each use: a quarter of float32's memory.
  // For a frozen base under LoRA; the weights can no longer be trained.
  bool int8_linear = false;
  // Attention kernel; unset = SDPA where this LibTorch has it, else eager.
  std::optional<ModelConfig::AttentionKernel> attention;
};

// Whether this LibTorch has scaled_dot_product_attention with a scale
// argument (2.1 and later).
bool sdpa_available();

// The --dtype and --device flags of every command that loads a model:
// "fp32"/"float32", "fp16"/"float16", "bf16"/"bfloat16"; "cpu", "cuda",
// "cuda:N". Throw InputError naming the flag for anything else, and for a
// CUDA device this LibTorch cannot reach. Half precision on CPU is allowed,
// with a warning (LibTorch's CPU half kernels are slow).
torch::Dtype parse_dtype(const std::string& name);
torch::Device parse_device(const std::string& name);
LoadOptions load_options(const std::string& dtype, const std::string& device, const std::filesystem::path& adapter);

// Keys and values of every layer for the tokens seen so far, so that each new
// token costs one step instead of a pass over the whole sequence.
class KvCache {
 public:
  // Cached positions (0 before the first forward).
  int64_t length() const { return keys.empty() || !keys[0].defined() ? 0 : keys[0].size(2); }
  // Keeps rows `batch_index` (int64 [B']) in that order: beam search's reorder.
  void select_rows(const torch::Tensor& batch_index);
  void clear() { keys.clear(); values.clear(); }

  // Per layer, [batch, kv_heads, length, head_dim].
  std::vector<torch::Tensor> keys;
  std::vector<torch::Tensor> values;
};

class CausalLM {
 public:
  // Reads config.json and the weights in `model_dir`. Errors (missing files,
  // missing or mis-shaped weights, unsupported model_type) throw InputError.
  static std::unique_ptr<CausalLM> load(const std::filesystem::path& model_dir, const LoadOptions& options = {});
  // A randomly initialised model (normal(0, initializer_range), as HF's
  // _init_weights), for tests, demos and `icma-train init`.
  static std::unique_ptr<CausalLM> random(const ModelConfig& config, uint64_t seed, const LoadOptions& options = {});

  ~CausalLM();
  CausalLM(const CausalLM&) = delete;
  CausalLM& operator=(const CausalLM&) = delete;

  const ModelConfig& config() const;
  torch::Device device() const;
  torch::Dtype dtype() const;

  // input_ids: int64 [batch, T]. attention_mask: int64 [batch, P + T], 1 for a
  // real token and 0 for padding, covering the P cached positions and the T
  // new ones (P = cache ? cache->length() : 0). With a cache, the new keys and
  // values are appended to it. Returns float32 logits [batch, T, vocab].
  // Runs with autograd if it is enabled (training); wrap in torch::NoGradGuard
  // for inference.
  // With last_position_only, only the last position's logits are computed
  // ([batch, 1, vocab]): what generation needs, without the vocabulary-sized
  // product for every prompt token.
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                        KvCache* cache = nullptr, bool last_position_only = false);

  // Training: recompute each decoder layer in the backward pass instead of
  // keeping its activations (HF's gradient_checkpointing_enable): much less
  // memory for long sequences, about a third more compute; same gradients.
  void set_gradient_checkpointing(bool enabled);

  // Writes config.json and model.safetensors into `dir` (created if needed),
  // each file atomically: a HF model directory that load() and Transformers read.
  void save(const std::filesystem::path& dir) const;

  // Folds a PEFT LoRA adapter directory (adapter_config.json +
  // adapter_model.safetensors or adapter_model.bin) into the weights:
  // W += scale * B A, scale = lora_alpha / r (or / sqrt(r) with use_rslora).
  void merge_adapter(const std::filesystem::path& adapter_dir);

  // The underlying module tree, with parameters named as in the HF checkpoint
  // ("model.layers.0.self_attn.q_proj.weight", ...).
  torch::nn::Module& module();

 private:
  struct Impl;
  explicit CausalLM(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace icma::model
