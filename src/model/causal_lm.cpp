#include "icma/model/causal_lm.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/version.h>
#include <spdlog/spdlog.h>

#include <cmath>
#include <optional>

#include <nlohmann/json.hpp>

#include "decoder.hpp"
#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/model/checkpoint.hpp"
#include "icma/weights/device.hpp"
#include "icma/weights/state_dict.hpp"
#include "icma/weights/tensor_file.hpp"

namespace icma::model {

struct CausalLM::Impl {
  explicit Impl(ModelConfig config_in) : config(std::move(config_in)) {
    module = std::make_shared<detail::CausalLMModule>(config);
  }
  ModelConfig config;  // the module keeps a reference: declared first, destroyed last
  std::shared_ptr<detail::CausalLMModule> module;
  torch::Dtype dtype = torch::kFloat32;
  torch::Device device = torch::kCPU;
};

void KvCache::select_rows(const torch::Tensor& batch_index) {
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!keys[i].defined()) continue;
    keys[i] = keys[i].index_select(0, batch_index);
    values[i] = values[i].index_select(0, batch_index);
  }
}

CausalLM::CausalLM(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CausalLM::~CausalLM() = default;

const ModelConfig& CausalLM::config() const { return impl_->config; }
torch::Device CausalLM::device() const { return impl_->device; }
torch::Dtype CausalLM::dtype() const { return impl_->dtype; }
torch::nn::Module& CausalLM::module() { return *impl_->module; }

bool sdpa_available() {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
  return true;
#else
  return false;
#endif
}

namespace {

ModelConfig::AttentionKernel attention_kernel(const LoadOptions& options) {
  if (!options.attention) return sdpa_available() ? ModelConfig::AttentionKernel::kSdpa : ModelConfig::AttentionKernel::kEager;
  if (*options.attention == ModelConfig::AttentionKernel::kSdpa && !sdpa_available()) {
    throw InputError("scaled_dot_product_attention needs LibTorch 2.1 or later; this is " TORCH_VERSION);
  }
  return *options.attention;
}

// LoadOptions::int8_linear: every linear layer but lm_head, which bitsandbytes
// also keeps in full precision (the output distribution is sensitive to it).
void quantize_linear_layers(torch::nn::Module& module) {
  std::size_t quantized = 0;
  for (const auto& item : module.named_modules("", /*include_self=*/false)) {
    auto* linear = dynamic_cast<detail::LinearImpl*>(item.value().get());
    const std::string& name = item.key();
    const bool is_output = name == "lm_head" || (name.size() > 8 && name.compare(name.size() - 8, 8, ".lm_head") == 0);
    if (linear == nullptr || is_output) continue;
    linear->quantize_int8();
    ++quantized;
  }
  spdlog::info("int8 base: {} linear layers stored in 8 bits", quantized);
}

}  // namespace
void CausalLM::set_gradient_checkpointing(bool enabled) { impl_->module->gradient_checkpointing = enabled; }

std::unique_ptr<CausalLM> CausalLM::load(const std::filesystem::path& model_dir, const LoadOptions& options) {
  auto impl = std::make_unique<Impl>(ModelConfig::load(model_dir / "config.json"));
  impl->config.attention = attention_kernel(options);
  const ModelConfig& config = impl->config;
  const CheckpointFiles checkpoint = find_checkpoint(model_dir);
  weights::TensorMap tensors;
  for (const auto& file : checkpoint.files) {
    for (auto& [name, tensor] : weights::read_tensor_file(file)) {
      if (!checkpoint.weight_map.empty()) {
        const auto listed = checkpoint.weight_map.find(name);
        if (listed == checkpoint.weight_map.end() || listed->second != file.filename().string()) {
          throw InputError(file.string(), 0, "holds \"" + name + "\", which the index does not place in this shard");
        }
      }
      const std::string normalised = normalise_weight_name(config, name);
      if (!normalised.empty()) tensors[normalised] = std::move(tensor);
    }
  }
  spdlog::debug("{}: {} weights, {} parameters", checkpoint.source.string(), tensors.size(), config.num_parameters());
  weights::load_into(*impl->module, tensors, checkpoint.source.string());
  tensors.clear();  // release the file mappings before converting
  std::unique_ptr<CausalLM> model(new CausalLM(std::move(impl)));
  if (!options.adapter.empty()) model->merge_adapter(options.adapter);
  model->impl_->module->to(options.device, options.dtype);
  if (options.int8_linear) quantize_linear_layers(*model->impl_->module);
  model->impl_->dtype = options.dtype;
  model->impl_->device = options.device;
  model->impl_->module->eval();
  return model;
}

std::unique_ptr<CausalLM> CausalLM::random(const ModelConfig& config, uint64_t seed, const LoadOptions& options) {
  auto impl = std::make_unique<Impl>(config);
  impl->config.attention = attention_kernel(options);
  // As Hugging Face's _init_weights: linear and embedding weights from
  // normal(0, initializer_range), biases zero, norms one (already so).
  torch::NoGradGuard no_grad;
  at::Generator generator = at::detail::createCPUGenerator(seed);
  for (auto& item : impl->module->named_parameters(true)) {
    const std::string& name = item.key();
    torch::Tensor& parameter = item.value();
    const bool is_bias = name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
    const bool is_norm = name.find("norm") != std::string::npos;
    if (is_bias || is_norm) continue;
    parameter.normal_(0.0, config.initializer_range, generator);
  }
  std::unique_ptr<CausalLM> model(new CausalLM(std::move(impl)));
  model->impl_->module->to(options.device, options.dtype);
  if (options.int8_linear) quantize_linear_layers(*model->impl_->module);
  model->impl_->dtype = options.dtype;
  model->impl_->device = options.device;
  model->impl_->module->eval();
  return model;
}

torch::Tensor CausalLM::forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask, KvCache* cache,
                                bool last_position_only) {
  const int64_t past = cache != nullptr ? cache->length() : 0;
  TORCH_CHECK(input_ids.dim() == 2 && attention_mask.dim() == 2 && input_ids.size(0) == attention_mask.size(0) &&
                  attention_mask.size(1) == past + input_ids.size(1),
              "forward: input_ids [B, T] and attention_mask [B, cached + T] do not fit together");
  if (impl_->config.positions == PositionKind::kLearned && attention_mask.size(1) > impl_->config.max_position_embeddings) {
    throw InputError("sequence of " + std::to_string(attention_mask.size(1)) + " tokens is longer than the model's " +
                     std::to_string(impl_->config.max_position_embeddings) + " positions");
  }
  return impl_->module->forward(input_ids.to(impl_->device), attention_mask.to(impl_->device), cache, last_position_only);
}

void CausalLM::save(const std::filesystem::path& dir) const {
  std::filesystem::create_directories(dir);
  write_file_atomically((dir / "config.json").string(), impl_->config.json_text + "\n");
  // LoRA weights are not part of the model (save_lora writes them; merge folds them in).
  weights::TensorMap tensors = weights::state_dict(*impl_->module);
  for (auto it = tensors.begin(); it != tensors.end();) {
    const bool lora = it->first.find(".lora_A.") != std::string::npos || it->first.find(".lora_B.") != std::string::npos;
    it = lora ? tensors.erase(it) : std::next(it);
  }
  weights::write_safetensors(dir / "model.safetensors", tensors, {{"format", "pt"}});
}

void CausalLM::merge_adapter(const std::filesystem::path& adapter_dir) {
  const std::filesystem::path config_path = adapter_dir / "adapter_config.json";
  nlohmann::json adapter;
  try {
    adapter = nlohmann::json::parse(read_file(config_path.string()));
  } catch (const nlohmann::json::exception& error) {
    throw InputError(config_path.string(), 0, std::string("not valid JSON: ") + error.what());
  }
  if (adapter.value("peft_type", std::string("LORA")) != "LORA") {
    throw InputError(config_path.string(), 0, "peft_type is not LORA");
  }
  if (!adapter.contains("r") || !adapter["r"].is_number_integer() || adapter["r"].get<int64_t>() <= 0 ||
      !adapter.contains("lora_alpha") || !adapter["lora_alpha"].is_number()) {
    throw InputError(config_path.string(), 0, "needs a positive integer \"r\" and a number \"lora_alpha\"");
  }
  if (adapter.value("fan_in_fan_out", false)) throw InputError(config_path.string(), 0, "fan_in_fan_out adapters are not supported");
  const double r = static_cast<double>(adapter["r"].get<int64_t>());
  const double alpha = adapter["lora_alpha"].get<double>();
  const double scale = adapter.value("use_rslora", false) ? alpha / std::sqrt(r) : alpha / r;

  std::filesystem::path weights_path = adapter_dir / "adapter_model.safetensors";
  if (!std::filesystem::exists(weights_path)) weights_path = adapter_dir / "adapter_model.bin";
  const weights::TensorMap tensors = weights::read_tensor_file(weights_path);

  // PEFT names: base_model.model.<module path>.lora_A.weight / lora_B.weight.
  const std::string prefix = "base_model.model.";
  auto parameters = impl_->module->named_parameters(true);
  std::size_t merged = 0;
  torch::NoGradGuard no_grad;
  for (const auto& [name, a] : tensors) {
    const std::size_t marker = name.find(".lora_A.");
    if (marker == std::string::npos) {
      if (name.find(".lora_B.") == std::string::npos) {
        throw InputError(weights_path.string(), 0, "\"" + name + "\" is not a LoRA weight");
      }
      continue;
    }
    if (name.rfind(prefix, 0) != 0) throw InputError(weights_path.string(), 0, "\"" + name + "\" lacks PEFT's base_model.model. prefix");
    const std::string module_path = name.substr(prefix.size(), marker - prefix.size());
    const std::string b_name = name.substr(0, marker) + ".lora_B." + name.substr(marker + 8);
    const auto b = tensors.find(b_name);
    if (b == tensors.end()) throw InputError(weights_path.string(), 0, "\"" + name + "\" has no \"" + b_name + "\"");
    torch::Tensor* weight = parameters.find(module_path + ".weight");
    if (weight == nullptr) {
      throw InputError(weights_path.string(), 0, "adapts \"" + module_path + "\", which this model does not have");
    }
    const torch::Tensor delta = torch::matmul(b->second.to(torch::kFloat32), a.to(torch::kFloat32)) * scale;
    if (delta.sizes() != weight->sizes()) {
      throw InputError(weights_path.string(), 0, "LoRA for \"" + module_path + "\" does not fit its weight's shape");
    }
    weight->add_(delta.to(weight->scalar_type()));
    ++merged;
  }
  if (merged == 0) throw InputError(weights_path.string(), 0, "holds no LoRA weights");
  spdlog::info("{}: merged LoRA into {} weights (scale {})", adapter_dir.string(), merged, scale);
}

torch::Dtype parse_dtype(const std::string& name) {
  if (name == "fp32" || name == "float32") return torch::kFloat32;
  if (name == "fp16" || name == "float16") return torch::kFloat16;
  if (name == "bf16" || name == "bfloat16") return torch::kBFloat16;
  throw InputError("unknown --dtype '" + name + "' (use fp32, fp16 or bf16)");
}

torch::Device parse_device(const std::string& name) { return weights::parse_device(name); }

LoadOptions load_options(const std::string& dtype, const std::string& device, const std::filesystem::path& adapter) {
  LoadOptions options;
  options.dtype = parse_dtype(dtype);
  options.device = parse_device(device);
  options.adapter = adapter;
  if (options.device.is_cpu() && options.dtype != torch::kFloat32) {
    spdlog::warn("--dtype {} on CPU: LibTorch's half-precision CPU kernels are slow; fp32 is the default", dtype);
  }
  return options;
}

}  // namespace icma::model
