// The decoder, following Hugging Face's eager code operation by operation
// where it matters for the last bits (RMSNorm and softmax in float32, the
// query scaled before the product for OPT, positions from the mask).

#include "decoder.hpp"

#include "precision.hpp"

#include <torch/version.h>

#include <cmath>
#include <limits>

namespace icma::model::detail {
namespace {

// Registers `module` under a dotted path ("model.decoder"), creating plain
// container modules for the leading parts.
torch::nn::Module& container(torch::nn::Module& root, const std::string& dotted) {
  torch::nn::Module* current = &root;
  std::size_t start = 0;
  while (start < dotted.size()) {
    const std::size_t dot = dotted.find('.', start);
    const std::string part = dotted.substr(start, dot - start);
    if (!part.empty()) {
      auto children = current->named_children();
      if (children.contains(part)) {
        current = children[part].get();
      } else {
        current = current->register_module(part, std::make_shared<torch::nn::Module>()).get();
      }
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return *current;
}

torch::Tensor rotate_half(const torch::Tensor& x) {
  const int64_t half = x.size(-1) / 2;
  return torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

// Rotary inverse frequencies, with Llama 3.1's or linear rope_scaling.
torch::Tensor rotary_inverse_frequencies(const ModelConfig& config) {
  const int64_t dim = config.head_dim;
  torch::Tensor inv_freq =
      1.0 / torch::pow(config.rope_theta, torch::arange(0, dim, 2, torch::kInt64).to(torch::kFloat32) / dim);
  if (!config.rope_scaling) return inv_freq;
  const RopeScaling& scaling = *config.rope_scaling;
  if (scaling.linear) return inv_freq / scaling.factor;
  const double old_context = static_cast<double>(scaling.original_max_position_embeddings);
  const double low_freq_wavelen = old_context / scaling.low_freq_factor;
  const double high_freq_wavelen = old_context / scaling.high_freq_factor;
  const torch::Tensor wavelen = 2 * M_PI / inv_freq;
  const torch::Tensor scaled = torch::where(wavelen > low_freq_wavelen, inv_freq / scaling.factor, inv_freq);
  const torch::Tensor smooth = (old_context / wavelen - scaling.low_freq_factor) /
                               (scaling.high_freq_factor - scaling.low_freq_factor);
  const torch::Tensor smoothed = (1 - smooth) * scaled / scaling.factor + smooth * scaled;
  const torch::Tensor medium = (wavelen >= high_freq_wavelen).logical_and(wavelen <= low_freq_wavelen);
  return torch::where(medium, smoothed, scaled);
}

// The most negative finite value of a dtype: masked scores get it (not -inf),
// so that a row with every key masked (a padding query) stays finite.
c10::Scalar lowest_value(torch::Dtype dtype) {
  switch (dtype) {
    case torch::kFloat64: return std::numeric_limits<double>::lowest();
    case torch::kFloat16: return -65504.0;
    case torch::kBFloat16: return -3.3895313892515355e38;
    default: return std::numeric_limits<float>::lowest();
  }
}

}  // namespace

AttentionImpl::AttentionImpl(const ModelConfig& config) : config_(config) {
  const int64_t q_size = config.num_heads * config.head_dim;
  const int64_t kv_size = config.num_kv_heads * config.head_dim;
  q_proj = register_module("q_proj", Linear(config.hidden_size, q_size, config.qkv_bias));
  k_proj = register_module("k_proj", Linear(config.hidden_size, kv_size, config.qkv_bias));
  v_proj = register_module("v_proj", Linear(config.hidden_size, kv_size, config.qkv_bias));
  out_proj = register_module(config.naming.attention_out, Linear(q_size, config.hidden_size, config.out_bias));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const ForwardContext& context, torch::Tensor* cached_keys,
                                     torch::Tensor* cached_values) {
  const int64_t batch = x.size(0);
  const int64_t length = x.size(1);
  const int64_t heads = config_.num_heads;
  const int64_t kv_heads = config_.num_kv_heads;
  const int64_t head_dim = config_.head_dim;
  const double scaling = 1.0 / std::sqrt(static_cast<double>(head_dim));
  const bool rotary = config_.positions == PositionKind::kRotary;

  torch::Tensor q = q_proj(x);
  if (!rotary) q = q * scaling;  // OPT scales the query, Llama the scores
  q = q.view({batch, length, heads, head_dim}).transpose(1, 2);
  torch::Tensor k = k_proj(x).view({batch, length, kv_heads, head_dim}).transpose(1, 2);
  torch::Tensor v = v_proj(x).view({batch, length, kv_heads, head_dim}).transpose(1, 2);
  if (rotary) {
    q = q * context.cos + rotate_half(q) * context.sin;
    k = k * context.cos + rotate_half(k) * context.sin;
  }
  if (cached_keys != nullptr) {
    if (cached_keys->defined()) {
      k = torch::cat({*cached_keys, k}, 2);
      v = torch::cat({*cached_values, v}, 2);
    }
    *cached_keys = k;
    *cached_values = v;
  }
  const int64_t group = heads / kv_heads;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
  if (config_.attention == ModelConfig::AttentionKernel::kSdpa) {
    // Each key head serves `group` query heads (HF's repeat_kv). OPT's query
    // is already scaled, so the kernel's own scale is then 1.
    const auto repeat = [&](const torch::Tensor& t) {
      return group == 1 ? t : t.unsqueeze(2).expand({batch, kv_heads, group, t.size(2), head_dim}).reshape({batch, heads, t.size(2), head_dim});
    };
    const double dropout = is_training() ? config_.attention_dropout : 0.0;
    // The mask in q's dtype without turning float32's lowest into -inf (bf16
    // under autocast), which would make fully masked padding rows NaN.
    const torch::Tensor mask =
        context.additive_mask.clamp_min(lowest_value(q.scalar_type())).to(q.scalar_type());
    const torch::Tensor out = at::scaled_dot_product_attention(q, repeat(k), repeat(v), mask, dropout,
                                                               /*is_causal=*/false, rotary ? scaling : 1.0);
    return out_proj(out.transpose(1, 2).reshape({batch, length, heads * head_dim}));
  }
#endif
  // Grouped-query attention without copying keys: the `group` query heads
  // that share a key head are stacked along the query axis.
  const int64_t keys = k.size(2);
  torch::Tensor scores = torch::matmul(q.reshape({batch, kv_heads, group * length, head_dim}), k.transpose(2, 3));
  if (rotary) scores = scores * scaling;
  scores = scores.view({batch, kv_heads, group, length, keys}) + context.additive_mask.unsqueeze(1);
  torch::Tensor probs = torch::softmax(scores, -1, torch::kFloat32).to(q.scalar_type());
  if (is_training() && config_.attention_dropout > 0) probs = torch::dropout(probs, config_.attention_dropout, true);
  const torch::Tensor out = torch::matmul(probs.view({batch, kv_heads, group * length, keys}), v)
                                .view({batch, heads, length, head_dim})
                                .transpose(1, 2)
                                .reshape({batch, length, heads * head_dim});
  return out_proj(out);
}

DecoderLayerImpl::DecoderLayerImpl(const ModelConfig& config) : config_(config) {
  self_attn = register_module("self_attn", Attention(config));
  norm_before_attention = register_module(config.naming.norm_before_attention, Norm(config));
  norm_before_mlp = register_module(config.naming.norm_before_mlp, Norm(config));
  torch::nn::Module& owner = container(*this, config.naming.mlp);
  const bool bias = config.mlp_bias;
  if (config.gated_mlp) {
    gate_proj = owner.register_module("gate_proj", Linear(config.hidden_size, config.intermediate_size, bias));
    up_proj = owner.register_module("up_proj", Linear(config.hidden_size, config.intermediate_size, bias));
    down_proj = owner.register_module("down_proj", Linear(config.intermediate_size, config.hidden_size, bias));
  } else {
    fc1 = owner.register_module("fc1", Linear(config.hidden_size, config.intermediate_size, bias));
    fc2 = owner.register_module("fc2", Linear(config.intermediate_size, config.hidden_size, bias));
  }
}

torch::Tensor DecoderLayerImpl::mlp(const torch::Tensor& x) {
  if (config_.gated_mlp) return dropout(down_proj(activate(config_.activation, gate_proj(x)) * up_proj(x)));
  torch::Tensor h = activate(config_.activation, fc1(x));
  if (is_training() && config_.activation_dropout > 0) h = torch::dropout(h, config_.activation_dropout, true);
  return dropout(fc2(h));
}

torch::Tensor DecoderLayerImpl::dropout(const torch::Tensor& x) {
  return is_training() && config_.hidden_dropout > 0 ? torch::dropout(x, config_.hidden_dropout, true) : x;
}

torch::Tensor DecoderLayerImpl::forward(const torch::Tensor& x, const ForwardContext& context,
                                        torch::Tensor* cached_keys, torch::Tensor* cached_values) {
  if (config_.norm_before) {
    const torch::Tensor h = x + dropout(self_attn(norm_before_attention(x), context, cached_keys, cached_values));
    return h + mlp(norm_before_mlp(h));
  }
  // Post-norm (OPT-350m): normalise after each residual sum.
  const torch::Tensor h = norm_before_attention(x + dropout(self_attn(x, context, cached_keys, cached_values)));
  return norm_before_mlp(h + mlp(h));
}

CausalLMModule::CausalLMModule(const ModelConfig& config) : config_(config) {
  torch::nn::Module& decoder = container(*this, config.naming.decoder);
  const int64_t embed_dim = config.word_embed_proj_dim;
  embed_tokens = decoder.register_module(
      "embed_tokens", torch::nn::Embedding(torch::nn::EmbeddingOptions(config.vocab_size, embed_dim)));
  if (config.positions == PositionKind::kLearned) {
    embed_positions = decoder.register_module(
        "embed_positions",
        torch::nn::Embedding(torch::nn::EmbeddingOptions(
            config.max_position_embeddings + config.learned_position_offset, config.hidden_size)));
  } else {
    inv_freq_ = rotary_inverse_frequencies(config);
  }
  if (embed_dim != config.hidden_size) {
    project_in = decoder.register_module("project_in", Linear(embed_dim, config.hidden_size, false));
    project_out = decoder.register_module("project_out", Linear(config.hidden_size, embed_dim, false));
  }
  if (config.final_norm) final_norm = decoder.register_module(config.naming.final_norm, Norm(config));
  torch::nn::Module& layer_list = container(decoder, "layers");
  for (int64_t i = 0; i < config.num_layers; ++i) {
    layers.push_back(layer_list.register_module(std::to_string(i), DecoderLayer(config)));
  }
  if (!config.tie_word_embeddings) lm_head = register_module("lm_head", Linear(embed_dim, config.vocab_size, false));
}

ForwardContext CausalLMModule::make_context(const torch::Tensor& attention_mask, int64_t past, int64_t length,
                                            torch::Tensor* positions) const {
  const auto dtype = embed_tokens->weight.scalar_type();
  const auto device = attention_mask.device();
  const int64_t total = past + length;
  // Position of a token = real tokens before it; padding gets a harmless
  // placeholder (OPT: -1 + offset, Llama: 1), as in Hugging Face.
  const torch::Tensor real = attention_mask.to(torch::kInt64);
  const torch::Tensor counted = real.cumsum(-1);
  if (config_.positions == PositionKind::kLearned) {
    *positions = (counted * real - 1).narrow(1, past, length);
  } else {
    *positions = (counted - 1).masked_fill(real == 0, 1).narrow(1, past, length);
  }

  // Causal (and sliding-window) over absolute indices, then padding.
  const torch::Tensor query = torch::arange(past, total, torch::TensorOptions().dtype(torch::kInt64).device(device)).unsqueeze(1);
  const torch::Tensor key = torch::arange(total, torch::TensorOptions().dtype(torch::kInt64).device(device)).unsqueeze(0);
  torch::Tensor allowed = key <= query;
  if (config_.sliding_window) allowed = allowed.logical_and(query - key < *config_.sliding_window);
  allowed = allowed.unsqueeze(0).unsqueeze(0).logical_and((real == 1).unsqueeze(1).unsqueeze(1));
  ForwardContext context;
  context.additive_mask = torch::zeros({real.size(0), 1, length, total}, torch::TensorOptions().dtype(dtype).device(device))
                              .masked_fill(allowed.logical_not(), lowest_value(dtype));

  if (config_.positions == PositionKind::kRotary) {
    const torch::Tensor freqs = positions->to(torch::kFloat32).unsqueeze(-1) * inv_freq_.to(device);  // [B, T, D/2]
    const torch::Tensor angles = torch::cat({freqs, freqs}, -1).unsqueeze(1);                        // [B, 1, T, D]
    context.cos = angles.cos().to(dtype);
    context.sin = angles.sin().to(dtype);
  }
  return context;
}

namespace {

// Gradient checkpointing of one decoder layer, as torch.utils.checkpoint's
// reentrant form: the forward pass keeps only the layer's input, and the
// backward pass runs the layer again (same random state for dropout, same
// autocast state) to get the activations it needs. Memory for activations
// drops from every layer's to one layer's, for about a third more compute.
struct CheckpointedLayer : public torch::autograd::Function<CheckpointedLayer> {
  // Learned positions (OPT) have no cos/sin: autograd cannot take undefined
  // tensors as inputs, so they come as empty ones with rotary false.
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, torch::Tensor mask,
                               torch::Tensor cos, torch::Tensor sin, bool rotary, int64_t layer_address) {
    if (!rotary) cos = sin = torch::Tensor();
    ctx->saved_data["layer"] = layer_address;
    ctx->saved_data["mask"] = mask;
    ctx->saved_data["rotary"] = rotary;
    if (rotary) {
      ctx->saved_data["cos"] = cos;
      ctx->saved_data["sin"] = sin;
    }
    const torch::DeviceType device = x.device().type();
    ctx->saved_data["rng"] = at::globalContext().defaultGenerator(x.device()).get_state();
    ctx->saved_data["autocast"] = AutocastScope::enabled(device);
    ctx->saved_data["autocast_dtype"] = static_cast<int64_t>(AutocastScope::dtype(device));
    ctx->save_for_backward({x});
    torch::NoGradGuard no_grad;
    auto* layer = reinterpret_cast<DecoderLayerImpl*>(layer_address);
    return layer->forward(x, ForwardContext{mask, cos, sin}, nullptr, nullptr);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const torch::Tensor input = ctx->get_saved_variables()[0].detach().requires_grad_(true);
    auto* layer = reinterpret_cast<DecoderLayerImpl*>(ctx->saved_data["layer"].toInt());
    const bool rotary = ctx->saved_data["rotary"].toBool();
    const ForwardContext context{ctx->saved_data["mask"].toTensor(),
                                 rotary ? ctx->saved_data["cos"].toTensor() : torch::Tensor(),
                                 rotary ? ctx->saved_data["sin"].toTensor() : torch::Tensor()};
    // Replay the forward pass's random numbers, then put the stream back.
    at::Generator generator = at::globalContext().defaultGenerator(input.device());
    const torch::Tensor now = generator.get_state();
    generator.set_state(ctx->saved_data["rng"].toTensor());
    torch::Tensor output;
    {
      torch::AutoGradMode grad(true);
      const auto dtype = static_cast<torch::Dtype>(ctx->saved_data["autocast_dtype"].toInt());
      AutocastScope autocast(input.device().type(),
                             ctx->saved_data["autocast"].toBool() ? dtype : torch::kFloat32);
      output = layer->forward(input, context, nullptr, nullptr);
    }
    generator.set_state(now);
    torch::autograd::backward({output}, {grad_outputs[0]});
    return {input.grad(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor CausalLMModule::checkpointed_layer(DecoderLayerImpl& layer, const torch::Tensor& x,
                                                 const ForwardContext& context) {
  const bool rotary = context.cos.defined();
  const torch::Tensor none = torch::empty({0}, x.options());
  return CheckpointedLayer::apply(x, context.additive_mask, rotary ? context.cos : none, rotary ? context.sin : none,
                                  rotary, reinterpret_cast<int64_t>(&layer));
}

torch::Tensor CausalLMModule::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                      KvCache* cache, bool last_position_only) {
  const int64_t length = input_ids.size(1);
  const int64_t past = cache != nullptr ? cache->length() : 0;
  torch::Tensor positions;
  const ForwardContext context = make_context(attention_mask, past, length, &positions);

  torch::Tensor x = embed_tokens(input_ids);
  if (project_in) x = project_in(x);
  if (embed_positions) x = x + embed_positions(positions + config_.learned_position_offset);
  if (cache != nullptr && cache->keys.size() != layers.size()) {
    cache->keys.assign(layers.size(), torch::Tensor());
    cache->values.assign(layers.size(), torch::Tensor());
  }
  const bool recompute = gradient_checkpointing && cache == nullptr && is_training() && torch::GradMode::is_enabled();
  // A checkpointed layer's output needs a gradient only if its input has one;
  // with a frozen embedding (LoRA) it has none, so ask for it (HF's
  // enable_input_require_grads, which PEFT training with checkpointing needs too).
  if (recompute && !x.requires_grad()) x = x.detach().requires_grad_(true);
  for (std::size_t i = 0; i < layers.size(); ++i) {
    if (recompute) {
      x = checkpointed_layer(*layers[i], x, context);
    } else {
      x = layers[i](x, context, cache != nullptr ? &cache->keys[i] : nullptr,
                    cache != nullptr ? &cache->values[i] : nullptr);
    }
  }
  if (last_position_only) x = x.narrow(1, length - 1, 1);
  if (final_norm) x = final_norm(x);
  if (project_out) x = project_out(x);
  return project(x, output_weight()).to(torch::kFloat32);
}

}  // namespace icma::model::detail
