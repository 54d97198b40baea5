// The BERT/RoBERTa encoder: loading (through a module tree that carries the
// checkpoint's names, so weights::load_into checks every name and shape) and
// the forward pass, written as HF's modeling_bert.py computes it.

#include "icma/sentence/encoder.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <limits>

#include <torch/nn/module.h>

#include "icma/core/error.hpp"
#include "icma/weights/state_dict.hpp"

namespace icma::sentence {
namespace {

bool starts_with(const std::string& text, const std::string& prefix) { return text.compare(0, prefix.size(), prefix) == 0; }

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A module tree whose parameters carry dotted checkpoint names
// ("encoder.layer.0.attention.self.query.weight"), built from the config's
// weight list, for weights::load_into.
class NamedWeights : public torch::nn::Module {
 public:
  torch::Tensor add(const std::string& dotted_name, torch::Tensor initial) {
    torch::nn::Module* node = this;
    std::size_t start = 0;
    for (std::size_t dot = dotted_name.find('.'); dot != std::string::npos; dot = dotted_name.find('.', start)) {
      const std::string part = dotted_name.substr(start, dot - start);
      const auto children = node->named_children();
      const std::shared_ptr<torch::nn::Module>* child = children.find(part);
      node = child != nullptr ? child->get() : node->register_module(part, std::make_shared<torch::nn::Module>()).get();
      start = dot + 1;
    }
    return node->register_parameter(dotted_name.substr(start), std::move(initial), /*requires_grad=*/false);
  }
};

}  // namespace

// The weights in the forms the forward pass uses: query, key and value
// projections stacked into one matrix, so that each layer starts with one
// matrix product instead of three.
struct TransformerEncoder::Impl {
  struct Layer {
    torch::Tensor qkv_weight, qkv_bias;  // [3H, H], [3H]
    torch::Tensor attention_out_weight, attention_out_bias;
    torch::Tensor attention_norm_weight, attention_norm_bias;
    torch::Tensor intermediate_weight, intermediate_bias;
    torch::Tensor output_weight, output_bias;
    torch::Tensor output_norm_weight, output_norm_bias;
  };
  EncoderConfig config;
  torch::Tensor word_embeddings, position_embeddings;
  torch::Tensor token_type_0;  // [H]: every token is of type 0 (single sentences)
  torch::Tensor embedding_norm_weight, embedding_norm_bias;
  std::vector<Layer> layers;

  // Every weight moved to `device` (a no-op on the CPU, where they are).
  void to(torch::Device device) {
    for (torch::Tensor* t : {&word_embeddings, &position_embeddings, &token_type_0, &embedding_norm_weight,
                             &embedding_norm_bias}) {
      *t = t->to(device);
    }
    for (Layer& l : layers) {
      for (torch::Tensor* t : {&l.qkv_weight, &l.qkv_bias, &l.attention_out_weight, &l.attention_out_bias,
                               &l.attention_norm_weight, &l.attention_norm_bias, &l.intermediate_weight,
                               &l.intermediate_bias, &l.output_weight, &l.output_bias, &l.output_norm_weight,
                               &l.output_norm_bias}) {
        *t = t->to(device);
      }
    }
  }
};

TransformerEncoder::TransformerEncoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TransformerEncoder::~TransformerEncoder() = default;

const EncoderConfig& TransformerEncoder::config() const { return impl_->config; }
torch::Device TransformerEncoder::device() const { return impl_->word_embeddings.device(); }

std::filesystem::path find_encoder_weights(const std::filesystem::path& model_dir) {
  for (const char* name : {"model.safetensors", "pytorch_model.bin"}) {
    if (std::filesystem::exists(model_dir / name)) return model_dir / name;
  }
  throw InputError(model_dir.string(), 0, "no encoder weights (looked for model.safetensors and pytorch_model.bin)");
}

weights::TensorMap normalise_encoder_weights(const EncoderConfig& config, weights::TensorMap tensors,
                                             std::vector<std::string>& dropped) {
  // HF's base_model_prefix: a checkpoint of BertForMaskedLM & co. holds the
  // encoder under it, next to heads the encoder does not use.
  const std::string prefix = config.model_type == "bert" ? "bert." : "roberta.";
  bool prefixed = false;
  for (const auto& [name, tensor] : tensors) prefixed = prefixed || starts_with(name, prefix);
  weights::TensorMap out;
  for (auto& [name, tensor] : tensors) {
    std::string key = name;
    if (prefixed) {
      if (!starts_with(key, prefix)) {
        dropped.push_back(name);
        continue;
      }
      key = key.substr(prefix.size());
    }
    // The pooler serves next-sentence prediction, not sentence embeddings;
    // position_ids/token_type_ids are constant buffers older versions saved.
    if (starts_with(key, "pooler.") || key == "embeddings.position_ids" || key == "embeddings.token_type_ids") {
      dropped.push_back(name);
      continue;
    }
    if (ends_with(key, "LayerNorm.gamma")) key = key.substr(0, key.size() - 5) + "weight";
    if (ends_with(key, "LayerNorm.beta")) key = key.substr(0, key.size() - 4) + "bias";
    out[key] = std::move(tensor);
  }
  return out;
}

std::unique_ptr<TransformerEncoder> TransformerEncoder::load(const std::filesystem::path& model_dir,
                                                             torch::Device device) {
  EncoderConfig config = EncoderConfig::load(model_dir / "config.json");
  const std::filesystem::path file = find_encoder_weights(model_dir);
  std::vector<std::string> dropped;
  const weights::TensorMap tensors = normalise_encoder_weights(config, weights::read_tensor_file(file), dropped);
  if (!dropped.empty()) {
    spdlog::debug("{}: not part of the encoder, ignored: {}", file.string(), weights::join_weight_names(dropped));
  }
  auto encoder = from_tensors(std::move(config), tensors, file.string());
  if (!device.is_cpu()) encoder->impl_->to(device);
  return encoder;
}

std::unique_ptr<TransformerEncoder> TransformerEncoder::from_tensors(EncoderConfig config,
                                                                     const weights::TensorMap& tensors,
                                                                     const std::string& source) {
  // Each parameter starts as the checkpoint's own tensor where it fits (in
  // float32), so that load_into's copy is a copy onto itself, which LibTorch
  // skips: the weights are not held twice (safetensors stay in their memory
  // map). Where it does not fit, an empty tensor of the right shape lets
  // load_into name the mismatch.
  NamedWeights named;
  for (const EncoderConfig::WeightSpec& spec : config.weight_specs()) {
    const auto found = tensors.find(spec.name);
    named.add(spec.name, found != tensors.end() && found->second.sizes() == c10::IntArrayRef(spec.shape)
                             ? found->second.to(torch::kFloat32)
                             : torch::empty(spec.shape, torch::kFloat32));
  }
  weights::load_into(named, tensors, source);  // throws on any missing, unexpected or mis-shaped weight

  const auto parameters = named.named_parameters(/*recurse=*/true);
  const auto get = [&](const std::string& name) { return parameters[name]; };
  auto impl = std::make_unique<Impl>();
  impl->word_embeddings = get("embeddings.word_embeddings.weight");
  impl->position_embeddings = get("embeddings.position_embeddings.weight");
  impl->token_type_0 = get("embeddings.token_type_embeddings.weight")[0].clone();
  impl->embedding_norm_weight = get("embeddings.LayerNorm.weight");
  impl->embedding_norm_bias = get("embeddings.LayerNorm.bias");
  for (std::int64_t i = 0; i < config.num_layers; ++i) {
    const std::string layer = "encoder.layer." + std::to_string(i) + ".";
    const std::string self = layer + "attention.self.";
    Impl::Layer weights;
    weights.qkv_weight = torch::cat({get(self + "query.weight"), get(self + "key.weight"), get(self + "value.weight")}, 0);
    weights.qkv_bias = torch::cat({get(self + "query.bias"), get(self + "key.bias"), get(self + "value.bias")}, 0);
    weights.attention_out_weight = get(layer + "attention.output.dense.weight");
    weights.attention_out_bias = get(layer + "attention.output.dense.bias");
    weights.attention_norm_weight = get(layer + "attention.output.LayerNorm.weight");
    weights.attention_norm_bias = get(layer + "attention.output.LayerNorm.bias");
    weights.intermediate_weight = get(layer + "intermediate.dense.weight");
    weights.intermediate_bias = get(layer + "intermediate.dense.bias");
    weights.output_weight = get(layer + "output.dense.weight");
    weights.output_bias = get(layer + "output.dense.bias");
    weights.output_norm_weight = get(layer + "output.LayerNorm.weight");
    weights.output_norm_bias = get(layer + "output.LayerNorm.bias");
    impl->layers.push_back(std::move(weights));
  }
  impl->config = std::move(config);
  return std::unique_ptr<TransformerEncoder>(new TransformerEncoder(std::move(impl)));
}

torch::Tensor TransformerEncoder::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) const {
  c10::InferenceMode inference;
  const Impl& m = *impl_;
  const EncoderConfig& config = m.config;
  if (input_ids.dim() != 2 || attention_mask.sizes() != input_ids.sizes()) {
    throw Error("TransformerEncoder::forward: input_ids and attention_mask must both be [batch, tokens]");
  }
  const std::int64_t batch = input_ids.size(0), tokens = input_ids.size(1), hidden = config.hidden_size;
  const std::int64_t heads = config.num_heads, head_dim = config.head_dim();
  if (tokens > config.max_sequence_length()) {
    throw InputError("a sequence of " + std::to_string(tokens) + " tokens is longer than the encoder's " +
                     std::to_string(config.max_sequence_length()) + " positions");
  }
  const torch::Device device = m.word_embeddings.device();
  const torch::Tensor ids = input_ids.to(device, torch::kInt64);
  const auto floats = torch::TensorOptions().dtype(torch::kFloat32).device(device);

  torch::Tensor positions;
  if (config.positions_after_padding) {
    // HF's create_position_ids_from_input_ids: real tokens count up from
    // pad + 1, padding sits at pad.
    const torch::Tensor real = ids.ne(config.pad_token_id).to(torch::kInt64);
    positions = real.cumsum(1).mul_(real).add_(config.pad_token_id);
  } else {
    positions = torch::arange(tokens, ids.options()).unsqueeze(0).expand({batch, tokens});
  }
  // As HF adds them: (word + token type) + position.
  torch::Tensor x = m.word_embeddings.index_select(0, ids.reshape(-1)).view({batch, tokens, hidden});
  x.add_(m.token_type_0);
  x.add_(m.position_embeddings.index_select(0, positions.reshape(-1)).view({batch, tokens, hidden}));
  x = at::layer_norm(x, {hidden}, m.embedding_norm_weight, m.embedding_norm_bias, config.layer_norm_eps);

  // HF's extended attention mask: 0 for real tokens, the float32 minimum for
  // padding, added to every query's scores.
  const torch::Tensor mask_bias = (1 - attention_mask.to(device, torch::kFloat32))
                                      .mul_(std::numeric_limits<float>::lowest())
                                      .view({batch, 1, 1, tokens});
  const double sqrt_head_dim = std::sqrt(static_cast<double>(head_dim));
  const std::int64_t rows = batch * tokens;
  // The largest tensors of a layer, allocated once per call rather than
  // once per layer (fresh allocations of tens of MB are page faults):
  // the projections to queries, keys and values [B*T, 3H], the same as
  // heads side by side [3, B*heads, T, head_dim], the intermediate
  // activations [B*T, intermediate].
  torch::Tensor qkv_rows = torch::empty({rows, 3 * hidden}, floats);
  torch::Tensor qkv = torch::empty({3, batch * heads, tokens, head_dim}, floats);
  torch::Tensor inner = torch::empty({rows, config.intermediate_size}, floats);
  for (const Impl::Layer& layer : m.layers) {
    // Contiguous heads: batched products of contiguous blocks run several
    // times faster than HF's matmul on permuted views when threads compete
    // for the cores.
    at::addmm_out(qkv_rows, layer.qkv_bias, x.view({rows, hidden}), layer.qkv_weight.t());
    qkv.view({3, batch, heads, tokens, head_dim})
        .copy_(qkv_rows.view({batch, tokens, 3, heads, head_dim}).permute({2, 0, 3, 1, 4}));
    // As HF: q k^T / sqrt(d) + mask, softmax, times v.
    torch::Tensor scores = at::bmm(qkv[0], qkv[1].transpose(1, 2)).view({batch, heads, tokens, tokens});
    scores.div_(sqrt_head_dim).add_(mask_bias);
    const torch::Tensor context = at::bmm(at::softmax(scores, -1).view({batch * heads, tokens, tokens}), qkv[2])
                                      .view({batch, heads, tokens, head_dim})
                                      .permute({0, 2, 1, 3})
                                      .reshape({batch, tokens, hidden});
    torch::Tensor attention = at::linear(context, layer.attention_out_weight, layer.attention_out_bias);
    x = at::layer_norm(attention.add_(x), {hidden}, layer.attention_norm_weight, layer.attention_norm_bias,
                       config.layer_norm_eps);

    at::addmm_out(inner, layer.intermediate_bias, x.view({rows, hidden}), layer.intermediate_weight.t());
    switch (config.activation) {
      case Activation::gelu: at::gelu_(inner); break;
      case Activation::gelu_tanh: at::gelu_(inner, "tanh"); break;
      case Activation::relu: inner.relu_(); break;
    }
    torch::Tensor output = at::linear(inner, layer.output_weight, layer.output_bias).view({batch, tokens, hidden});
    x = at::layer_norm(output.add_(x), {hidden}, layer.output_norm_weight, layer.output_norm_bias,
                       config.layer_norm_eps);
  }
  return x;
}

}  // namespace icma::sentence
