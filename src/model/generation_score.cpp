// score_targets(): log-probabilities of given continuations (icma-generate score).

#include <torch/torch.h>

#include <algorithm>

#include "icma/core/error.hpp"
#include "icma/model/generation.hpp"

namespace icma::model {

std::vector<TargetScore> score_targets(CausalLM& model, const std::vector<std::vector<int64_t>>& sequences,
                                       const std::vector<std::size_t>& target_begin) {
  if (sequences.size() != target_begin.size()) {
    throw Error("score_targets: " + std::to_string(sequences.size()) + " sequences but " +
                std::to_string(target_begin.size()) + " target starts");
  }
  std::vector<TargetScore> scores(sequences.size());
  if (sequences.empty()) return scores;
  const ModelConfig& config = model.config();
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    if (sequences[i].empty()) throw InputError("sequence " + std::to_string(i + 1) + " has no tokens");
    if (config.max_position_embeddings > 0 &&
        static_cast<int64_t>(sequences[i].size()) > config.max_position_embeddings) {
      throw InputError("sequence " + std::to_string(i + 1) + " has " + std::to_string(sequences[i].size()) +
                       " tokens, more than the model's context of " + std::to_string(config.max_position_embeddings));
    }
    for (int64_t token : sequences[i]) {
      if (token < 0 || token >= config.vocab_size) {
        throw InputError("sequence " + std::to_string(i + 1) + ": token id " + std::to_string(token) +
                         " is outside the model's vocabulary (" + std::to_string(config.vocab_size) + ")");
      }
    }
  }
  const int64_t pad = pad_token_id_for(config, std::nullopt, config.eos_token_ids);
  const PaddedBatch batch = left_pad(sequences, pad);
  const int64_t length = batch.input_ids.size(1);
  torch::NoGradGuard no_grad;
  const torch::Device device = model.device();
  const torch::Tensor logits = model.forward(batch.input_ids.to(device), batch.attention_mask.to(device));
  // Position t predicts token t + 1.
  const torch::Tensor log_probs = torch::log_softmax(logits.narrow(1, 0, length - 1), -1);
  const torch::Tensor next = batch.input_ids.narrow(1, 1, length - 1).to(device);
  const torch::Tensor picked =
      log_probs.gather(2, next.unsqueeze(2)).squeeze(2).to(torch::kCPU, torch::kFloat64).contiguous();
  const auto a = picked.accessor<double, 2>();
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    const auto size = static_cast<int64_t>(sequences[i].size());
    const int64_t offset = length - size;  // left padding
    const int64_t begin = std::max<int64_t>(1, static_cast<int64_t>(target_begin[i]));
    double sum = 0.0;
    for (int64_t t = begin; t < size; ++t) sum += a[static_cast<int64_t>(i)][offset + t - 1];
    scores[i] = TargetScore{sum, std::max<int64_t>(0, size - begin)};
  }
  return scores;
}

}  // namespace icma::model
