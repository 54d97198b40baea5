#pragma once
// LoRA (Hu et al. 2021) on a CausalLM, laid out as PEFT lays it out, so that
// adapters trained here load in PEFT and PEFT adapters load here.
//
//   attach_lora      adds lora_A / lora_B beside each targeted linear layer and
//                    freezes every base weight
//   save_lora        adapter_config.json + adapter_model.safetensors with keys
//                    base_model.model.<module>.lora_A.weight / lora_B.weight
//   load_lora        reads such weights back into attached modules (resume)
// CausalLM::merge_adapter folds a saved adapter into the base weights.

#include <filesystem>
#include <string>
#include <vector>

#include "icma/model/causal_lm.hpp"

namespace icma::model {

struct LoraConfig {
  int64_t r = 8;
  double alpha = 16;
  double dropout = 0.05;
  // Last components of module names ("q_proj"); empty = every linear layer
  // but lm_head, as the ICMA code's find_all_linear_names chooses.
  std::vector<std::string> target_modules;
  bool use_rslora = false;

  double scale() const;
};

// Attaches LoRA and freezes the base model. `config.target_modules` is filled
// in with what was targeted (sorted). Returns the adapted modules' names.
std::vector<std::string> attach_lora(CausalLM& model, LoraConfig& config, uint64_t seed);

// The trainable LoRA tensors, by PEFT key.
std::vector<std::pair<std::string, torch::Tensor>> lora_parameters(CausalLM& model);

// Writes a PEFT adapter directory (each file atomically). `base_model` goes
// into base_model_name_or_path.
void save_lora(CausalLM& model, const LoraConfig& config, const std::filesystem::path& dir,
               const std::string& base_model);

// Copies adapter_model.safetensors from `dir` into the attached LoRA weights.
void load_lora(CausalLM& model, const std::filesystem::path& dir);

}  // namespace icma::model
