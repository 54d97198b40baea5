#include "logits_processors.hpp"

#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <string>

#include "icma/core/error.hpp"

namespace icma::model {
namespace {

constexpr float kFiltered = -std::numeric_limits<float>::infinity();

}  // namespace

torch::Tensor repetition_penalty(const torch::Tensor& scores, const TokenHistory& seen, double penalty) {
  torch::Tensor out = scores.clone();
  for (int64_t row = 0; row < out.size(0) && row < static_cast<int64_t>(seen.size()); ++row) {
    if (seen[row].empty()) continue;
    const torch::Tensor ids = torch::tensor(seen[row], torch::kInt64).to(out.device());
    torch::Tensor line = out[row];
    const torch::Tensor picked = line.index_select(0, ids);
    // Repeated ids write the same value twice, as HF's scatter_ does.
    line.index_put_({ids}, torch::where(picked < 0, picked * penalty, picked / penalty));
  }
  return out;
}

torch::Tensor temperature(const torch::Tensor& scores, double temperature) { return scores / temperature; }

torch::Tensor top_k(const torch::Tensor& scores, int64_t k, int64_t min_tokens_to_keep) {
  k = std::min(std::max(k, min_tokens_to_keep), scores.size(-1));
  const torch::Tensor kth = std::get<0>(torch::topk(scores, k)).narrow(-1, k - 1, 1);
  return scores.masked_fill(scores < kth, kFiltered);
}

torch::Tensor top_p(const torch::Tensor& scores, double p, int64_t min_tokens_to_keep) {
  auto [sorted, order] = torch::sort(scores, /*dim=*/-1, /*descending=*/false);
  const torch::Tensor cumulative = sorted.softmax(-1).cumsum(-1);
  torch::Tensor remove_sorted = cumulative <= (1.0 - p);
  // The largest entries sit at the end of an ascending sort.
  remove_sorted.narrow(-1, remove_sorted.size(-1) - min_tokens_to_keep, min_tokens_to_keep).fill_(false);
  const torch::Tensor remove = remove_sorted.scatter(1, order, remove_sorted);
  return scores.masked_fill(remove, kFiltered);
}

torch::Tensor ban(const torch::Tensor& scores, const TokenHistory& banned) {
  torch::Tensor out = scores.clone();
  const int64_t vocab = out.size(-1);
  for (int64_t row = 0; row < out.size(0) && row < static_cast<int64_t>(banned.size()); ++row) {
    std::vector<int64_t> ids;
    for (int64_t id : banned[row]) {
      if (id >= 0 && id < vocab) ids.push_back(id);
    }
    if (ids.empty()) continue;
    out[row].index_fill_(0, torch::tensor(ids, torch::kInt64).to(out.device()), kFiltered);
  }
  return out;
}

void check_logits_settings(const LogitsSettings& settings) {
  if (!(settings.repetition_penalty > 0.0) || !std::isfinite(settings.repetition_penalty)) {
    throw InputError("repetition penalty must be a positive number, got " + std::to_string(settings.repetition_penalty));
  }
  if (!settings.sample) return;
  if (!(settings.temperature > 0.0) || !std::isfinite(settings.temperature)) {
    throw InputError("temperature must be a positive number, got " + std::to_string(settings.temperature));
  }
  if (settings.top_k < 0) throw InputError("top-k must be >= 0 (0 = off), got " + std::to_string(settings.top_k));
  if (!(settings.top_p >= 0.0 && settings.top_p <= 1.0)) {
    throw InputError("top-p must be in [0, 1] (1 = off), got " + std::to_string(settings.top_p));
  }
}

torch::Tensor process_logits(const torch::Tensor& scores, const TokenHistory& seen, const LogitsSettings& settings,
                             const TokenHistory& banned) {
  torch::Tensor out = scores;
  if (settings.repetition_penalty != 1.0) out = repetition_penalty(out, seen, settings.repetition_penalty);
  if (!banned.empty()) out = ban(out, banned);
  if (!settings.sample) return out;
  if (settings.temperature != 1.0) out = temperature(out, settings.temperature);
  if (settings.top_k != 0) out = top_k(out, settings.top_k);
  if (settings.top_p < 1.0) out = top_p(out, settings.top_p);
  return out;
}

}  // namespace icma::model
