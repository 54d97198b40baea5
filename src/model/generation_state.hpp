#pragma once
// What greedy/sampling and beam search share: the growing batch of
// sequences fed to the model (with or without the KV cache), and the checks
// that end a row.

#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "icma/model/causal_lm.hpp"
#include "icma/model/generation.hpp"

namespace icma::model {

// A batch of left-padded sequences being extended one token per row per
// step. next_logits() returns the scores for each row's next token; with the
// cache only the tokens appended since the last call run through the model.
class DecodeState {
 public:
  DecodeState(CausalLM& model, torch::Tensor input_ids, torch::Tensor attention_mask, bool use_cache);

  // float32 [rows, vocab]: the logits at each row's last position.
  torch::Tensor next_logits();
  // Appends tokens (int64 [rows]) to every row, as real (mask 1) tokens.
  void append(const torch::Tensor& tokens);
  // Keeps rows `index` (int64 [rows']) in that order: dropping finished rows,
  // reordering beams. The cache follows.
  void select_rows(const torch::Tensor& index);
  int64_t rows() const { return input_ids_.size(0); }

 private:
  CausalLM& model_;
  bool use_cache_;
  torch::Tensor input_ids_;       // every token so far, [rows, length]
  torch::Tensor attention_mask_;  // [rows, length]
  int64_t pending_ = 0;           // trailing tokens not yet run through the cache
  KvCache cache_;
};

// The resolved settings of one generate() call.
struct GenerationPlan {
  int64_t pad_token_id = 0;
  int64_t context = 0;  // max_position_embeddings: real tokens a row may hold
};
GenerationPlan plan_generation(const CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                               const GenerationOptions& options);

bool is_eos(const GenerationOptions& options, int64_t token);
// Whether the text of `tokens` contains a stop string.
bool hits_stop_string(const GenerationOptions& options, const std::vector<int64_t>& tokens);

}  // namespace icma::model
