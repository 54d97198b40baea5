#pragma once
// One decoder for every supported family (see causal_lm.hpp). Private to src/model.

#include <torch/torch.h>

#include <vector>

#include "icma/model/causal_lm.hpp"
#include "layers.hpp"

namespace icma::model::detail {

// What every layer of one forward pass shares: positions, the attention mask
// and the rotary tables.
struct ForwardContext {
  torch::Tensor additive_mask;  // [batch, 1, T, P + T], 0 or the dtype's lowest value
  torch::Tensor cos, sin;       // [batch, 1, T, head_dim] (rotary models)
};

class AttentionImpl : public torch::nn::Module {
 public:
  explicit AttentionImpl(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& x, const ForwardContext& context, torch::Tensor* cached_keys,
                        torch::Tensor* cached_values);

 private:
  const ModelConfig& config_;
  Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr};
};
TORCH_MODULE(Attention);

class DecoderLayerImpl : public torch::nn::Module {
 public:
  explicit DecoderLayerImpl(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& x, const ForwardContext& context, torch::Tensor* cached_keys,
                        torch::Tensor* cached_values);

 private:
  torch::Tensor mlp(const torch::Tensor& x);  // with its output dropout
  torch::Tensor dropout(const torch::Tensor& x);  // hidden dropout, training only

  const ModelConfig& config_;
  Attention self_attn{nullptr};
  Norm norm_before_attention{nullptr}, norm_before_mlp{nullptr};
  Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};  // gated MLP
  Linear fc1{nullptr}, fc2{nullptr};                                 // plain MLP
};
TORCH_MODULE(DecoderLayer);

// The whole model, registered under the checkpoint's names ("model.decoder."
// or "model.", and "lm_head" when not tied).
class CausalLMModule : public torch::nn::Module {
 public:
  explicit CausalLMModule(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask, KvCache* cache,
                        bool last_position_only);

  // Recompute each decoder layer in backward instead of keeping its
  // activations (training only; see CheckpointedLayer in decoder.cpp).
  bool gradient_checkpointing = false;

  // Token embedding matrix and output projection (the same tensor when tied).
  torch::Tensor& embed_tokens_weight() { return embed_tokens->weight; }
  torch::Tensor output_weight() { return lm_head ? lm_head->weight : embed_tokens->weight; }

 private:
  torch::Tensor checkpointed_layer(DecoderLayerImpl& layer, const torch::Tensor& x, const ForwardContext& context);
  ForwardContext make_context(const torch::Tensor& attention_mask, int64_t past, int64_t length,
                              torch::Tensor* positions) const;

  const ModelConfig& config_;
  torch::nn::Embedding embed_tokens{nullptr};
  torch::nn::Embedding embed_positions{nullptr};
  Linear project_in{nullptr}, project_out{nullptr};
  Norm final_norm{nullptr};
  std::vector<DecoderLayer> layers;
  Linear lm_head{nullptr};
  torch::Tensor inv_freq_;  // rotary frequencies, float32 [head_dim / 2]
};

}  // namespace icma::model::detail
