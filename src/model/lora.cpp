#include "icma/model/lora.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/weights/tensor_file.hpp"
#include "layers.hpp"

namespace icma::model {
namespace {

const std::string kPeftPrefix = "base_model.model.";

std::string last_component(const std::string& name) {
  const auto dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

// Every linear layer of the model with its module path, in module order.
std::vector<std::pair<std::string, detail::LinearImpl*>> linear_layers(CausalLM& model) {
  std::vector<std::pair<std::string, detail::LinearImpl*>> layers;
  for (const auto& item : model.module().named_modules("", /*include_self=*/false)) {
    auto* linear = dynamic_cast<detail::LinearImpl*>(item.value().get());
    const std::string component = last_component(item.key());
    if (linear != nullptr && component != "lora_A" && component != "lora_B") layers.emplace_back(item.key(), linear);
  }
  return layers;
}

}  // namespace

double LoraConfig::scale() const { return use_rslora ? alpha / std::sqrt(static_cast<double>(r)) : alpha / r; }

std::vector<std::string> attach_lora(CausalLM& model, LoraConfig& config, uint64_t seed) {
  if (config.r <= 0) throw InputError("LoRA rank r must be positive");
  if (config.dropout < 0 || config.dropout >= 1) throw InputError("LoRA dropout must be in [0, 1)");
  auto layers = linear_layers(model);
  std::set<std::string> targets(config.target_modules.begin(), config.target_modules.end());
  if (targets.empty()) {
    for (const auto& [name, layer] : layers) {
      if (last_component(name) != "lm_head") targets.insert(last_component(name));
    }
  }
  for (auto& parameter : model.module().parameters()) parameter.set_requires_grad(false);
  at::Generator generator = at::detail::createCPUGenerator(seed);
  std::vector<std::string> adapted;
  std::set<std::string> matched;
  for (const auto& [name, layer] : layers) {
    const std::string component = last_component(name);
    if (!targets.count(component)) continue;
    layer->attach_lora(config.r, config.scale(), config.dropout, generator);
    adapted.push_back(name);
    matched.insert(component);
  }
  for (const std::string& target : targets) {
    if (!matched.count(target)) throw InputError("LoRA target module \"" + target + "\" matches no linear layer of this model");
  }
  config.target_modules.assign(targets.begin(), targets.end());
  return adapted;
}

std::vector<std::pair<std::string, torch::Tensor>> lora_parameters(CausalLM& model) {
  std::vector<std::pair<std::string, torch::Tensor>> parameters;
  for (const auto& [name, layer] : linear_layers(model)) {
    if (!layer->has_lora()) continue;
    parameters.emplace_back(kPeftPrefix + name + ".lora_A.weight", layer->lora_A());
    parameters.emplace_back(kPeftPrefix + name + ".lora_B.weight", layer->lora_B());
  }
  return parameters;
}

void save_lora(CausalLM& model, const LoraConfig& config, const std::filesystem::path& dir,
               const std::string& base_model) {
  weights::TensorMap tensors;
  for (const auto& [name, tensor] : lora_parameters(model)) tensors[name] = tensor.detach().to(torch::kFloat32);
  if (tensors.empty()) throw Error("save_lora: the model has no LoRA attached");
  std::filesystem::create_directories(dir);
  // The fields PEFT's LoraConfig writes that change what the adapter means.
  const nlohmann::json adapter{{"peft_type", "LORA"},
                               {"task_type", "CAUSAL_LM"},
                               {"base_model_name_or_path", base_model},
                               {"r", config.r},
                               {"lora_alpha", config.alpha},
                               {"lora_dropout", config.dropout},
                               {"target_modules", config.target_modules},
                               {"bias", "none"},
                               {"fan_in_fan_out", false},
                               {"use_rslora", config.use_rslora},
                               {"inference_mode", true},
                               {"modules_to_save", nullptr},
                               {"init_lora_weights", true}};
  weights::write_safetensors(dir / "adapter_model.safetensors", tensors, {{"format", "pt"}});
  write_file_atomically((dir / "adapter_config.json").string(), adapter.dump(2) + "\n");
}

void load_lora(CausalLM& model, const std::filesystem::path& dir) {
  const std::filesystem::path file = dir / "adapter_model.safetensors";
  const weights::TensorMap tensors = weights::read_safetensors(file);
  torch::NoGradGuard no_grad;
  std::size_t loaded = 0;
  for (auto& [name, tensor] : lora_parameters(model)) {
    const auto found = tensors.find(name);
    if (found == tensors.end()) throw InputError(file.string(), 0, "missing LoRA weight \"" + name + "\"");
    if (found->second.sizes() != tensor.sizes()) throw InputError(file.string(), 0, "LoRA weight \"" + name + "\" has the wrong shape");
    tensor.copy_(found->second);
    ++loaded;
  }
  if (loaded != tensors.size()) throw InputError(file.string(), 0, "holds LoRA weights for modules the model has no LoRA on");
}

}  // namespace icma::model
