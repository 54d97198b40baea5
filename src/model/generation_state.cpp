#include "generation_state.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <string>

#include "icma/core/error.hpp"

namespace icma::model {

DecodeState::DecodeState(CausalLM& model, torch::Tensor input_ids, torch::Tensor attention_mask, bool use_cache)
    : model_(model),
      use_cache_(use_cache),
      input_ids_(std::move(input_ids)),
      attention_mask_(std::move(attention_mask)),
      pending_(input_ids_.size(1)) {}

torch::Tensor DecodeState::next_logits() {
  torch::NoGradGuard no_grad;
  torch::Tensor logits;
  if (use_cache_) {
    const torch::Tensor fresh = input_ids_.narrow(1, input_ids_.size(1) - pending_, pending_);
    logits = model_.forward(fresh, attention_mask_, &cache_, /*last_position_only=*/true);
  } else {
    logits = model_.forward(input_ids_, attention_mask_, nullptr, /*last_position_only=*/true);
  }
  pending_ = 0;
  return logits.select(1, logits.size(1) - 1);
}

void DecodeState::append(const torch::Tensor& tokens) {
  const torch::Tensor column = tokens.reshape({-1, 1}).to(input_ids_.device(), torch::kInt64);
  input_ids_ = torch::cat({input_ids_, column}, 1);
  attention_mask_ = torch::cat({attention_mask_, torch::ones_like(column)}, 1);
  ++pending_;
}

void DecodeState::select_rows(const torch::Tensor& index) {
  const torch::Tensor on_device = index.to(input_ids_.device(), torch::kInt64);
  input_ids_ = input_ids_.index_select(0, on_device);
  attention_mask_ = attention_mask_.index_select(0, on_device);
  if (use_cache_ && cache_.length() > 0) cache_.select_rows(on_device);
  // Columns that are padding in every remaining row (the longest prompts
  // left) go: less work, and the batch stays within the model's positions.
  // Dropping leading columns changes no result: they are masked, positions
  // come from the mask, and distances between later tokens stay the same.
  const int64_t real_columns = attention_mask_.any(0).nonzero().numel() == 0
                                   ? 0
                                   : attention_mask_.any(0).nonzero().min().item<int64_t>();
  const int64_t trim = std::min(real_columns, attention_mask_.size(1) - pending_);
  if (trim > 0) {
    const int64_t keep = attention_mask_.size(1) - trim;
    input_ids_ = input_ids_.narrow(1, trim, keep);
    attention_mask_ = attention_mask_.narrow(1, trim, keep);
    if (use_cache_) {
      for (auto* tensors : {&cache_.keys, &cache_.values}) {
        for (torch::Tensor& t : *tensors) t = t.narrow(2, trim, t.size(2) - trim);
      }
    }
  }
}

GenerationPlan plan_generation(const CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                               const GenerationOptions& options) {
  check_generation_options(options);
  const ModelConfig& config = model.config();
  GenerationPlan plan;
  plan.context = config.max_position_embeddings;
  plan.pad_token_id = options.pad_token_id ? *options.pad_token_id : pad_token_id_for(config, std::nullopt, options.eos_token_ids);
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    const std::vector<int64_t>& prompt = prompts[i];
    if (prompt.empty()) throw InputError("prompt " + std::to_string(i + 1) + " has no tokens");
    for (int64_t token : prompt) {
      if (token < 0 || token >= config.vocab_size) {
        throw InputError("prompt " + std::to_string(i + 1) + ": token id " + std::to_string(token) +
                         " is outside the model's vocabulary (" + std::to_string(config.vocab_size) + ")");
      }
    }
    if (plan.context > 0 && static_cast<int64_t>(prompt.size()) > plan.context) {
      throw InputError("prompt " + std::to_string(i + 1) + " has " + std::to_string(prompt.size()) +
                       " tokens, more than the model's context of " + std::to_string(plan.context));
    }
  }
  if (plan.pad_token_id < 0 || plan.pad_token_id >= config.vocab_size) {
    throw InputError("pad token id " + std::to_string(plan.pad_token_id) + " is outside the vocabulary");
  }
  return plan;
}

bool is_eos(const GenerationOptions& options, int64_t token) {
  return std::find(options.eos_token_ids.begin(), options.eos_token_ids.end(), token) != options.eos_token_ids.end();
}

bool hits_stop_string(const GenerationOptions& options, const std::vector<int64_t>& tokens) {
  if (options.stop_strings.empty()) return false;
  const std::string text = options.decode(tokens);
  for (const std::string& stop : options.stop_strings) {
    if (text.find(stop) != std::string::npos) return true;
  }
  return false;
}

}  // namespace icma::model
