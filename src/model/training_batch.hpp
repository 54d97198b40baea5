#pragma once
// Turning training examples into padded tensors and a summed loss. Private to src/model.

#include <torch/torch.h>

#include <vector>

#include "icma/model/causal_lm.hpp"
#include "icma/model/trainer.hpp"

namespace icma::model::detail {

// Sum of the cross-entropies of the loss tokens of `batch` (right-padded into
// one forward pass), and how many tokens that is.
struct LossSum {
  torch::Tensor sum;  // scalar, with autograd when enabled
  int64_t tokens = 0;
  int64_t positions = 0;  // real tokens the forward pass read (for tokens/s)
};
LossSum loss_sum(CausalLM& model, const std::vector<const TrainingExample*>& batch, int64_t pad_token_id);

// Tokens counted by the loss in one example (its predicted positions).
int64_t loss_tokens(const TrainingExample& example);

}  // namespace icma::model::detail
