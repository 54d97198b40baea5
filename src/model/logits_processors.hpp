#pragma once
// The logits processors and warpers of Hugging Face `generate`, one function
// each, with HF's exact arithmetic (the tests compare them with a
// python3-torch transcription of HF's classes,
// tests/fixtures/logits_processors_reference.json):
//
//   repetition_penalty  RepetitionPenaltyLogitsProcessor: for every token id
//                       seen in the row, score < 0 ? score * p : score / p
//   temperature         TemperatureLogitsWarper: scores / t
//   top_k               TopKLogitsWarper: keep scores >= the k-th largest
//                       (ties at the boundary survive), k >= min_tokens_to_keep
//   top_p               TopPLogitsWarper: sort ascending, softmax, cumsum;
//                       drop entries with cumulative probability <= 1 - p,
//                       always keeping the min_tokens_to_keep largest
//
//   ban                 PrefixConstrainedLogitsProcessor, told the tokens a
//                       row may not take rather than those it may
//
// Filtered entries become -inf. All take and return float32 [batch, vocab].
// HF applies them in this order: the repetition penalty and the ban (the
// processors), then temperature, top-k and top-p (the warpers, sampling
// only); process_logits chains them so.

#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace icma::model {

// The token ids each row has seen. HF penalises every id in input_ids, left
// padding included; we take only real tokens (see generation.hpp), so callers
// pass per-row lists.
using TokenHistory = std::vector<std::vector<int64_t>>;

torch::Tensor repetition_penalty(const torch::Tensor& scores, const TokenHistory& seen, double penalty);
torch::Tensor temperature(const torch::Tensor& scores, double temperature);
torch::Tensor top_k(const torch::Tensor& scores, int64_t k, int64_t min_tokens_to_keep = 1);
torch::Tensor top_p(const torch::Tensor& scores, double p, int64_t min_tokens_to_keep = 1);
// Row r's ids in banned[r] (ids outside [0, vocab) are ignored) become -inf.
torch::Tensor ban(const torch::Tensor& scores, const TokenHistory& banned);

struct LogitsSettings {
  double repetition_penalty = 1.0;  // 1 = off
  bool sample = false;              // the warpers below apply only when sampling
  double temperature = 1.0;         // 1 = off
  int64_t top_k = 0;                // 0 = off
  double top_p = 1.0;               // 1 = off
};

// HF's chain for one generation step: the same processors that
// GenerationConfig with these values would build, in HF's order, skipping
// those that are off as HF does (temperature 1.0, top_k 0, top_p 1.0 are
// not applied). Throws InputError for values HF rejects (temperature <= 0,
// top_p outside [0, 1], penalty <= 0, top_k < 0).
// `banned`: per row, ids to ban (empty: none).
torch::Tensor process_logits(const torch::Tensor& scores, const TokenHistory& seen, const LogitsSettings& settings,
                             const TokenHistory& banned = {});

// The same checks, without scores: for validating flags up front.
void check_logits_settings(const LogitsSettings& settings);

}  // namespace icma::model
