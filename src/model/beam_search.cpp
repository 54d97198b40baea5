#include "beam_search.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "logits_processors.hpp"

namespace icma::model {

void BeamHypotheses::add(std::vector<int64_t> tokens, FinishReason finish, double sum_logprobs,
                         int64_t generated_len) {
  const double score = sum_logprobs / std::pow(static_cast<double>(generated_len), length_penalty_);
  if (static_cast<int64_t>(beams_.size()) < num_beams_ || score > worst_score_) {
    beams_.push_back(Hypothesis{score, std::move(tokens), finish});
    if (static_cast<int64_t>(beams_.size()) > num_beams_) {
      // HF sorts (score, index) pairs: the lowest score goes, the earliest on ties.
      std::vector<std::size_t> order(beams_.size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(),
                       [&](std::size_t a, std::size_t b) { return beams_[a].score < beams_[b].score; });
      worst_score_ = beams_[order[1]].score;
      beams_.erase(beams_.begin() + static_cast<std::ptrdiff_t>(order[0]));
    } else {
      worst_score_ = std::min(score, worst_score_);
    }
  }
}

bool BeamHypotheses::is_done(double best_sum_logprobs, int64_t generated_len) const {
  if (static_cast<int64_t>(beams_.size()) < num_beams_) return false;
  if (early_stopping_ == EarlyStopping::kFirst) return true;
  int64_t length = generated_len;
  if (early_stopping_ == EarlyStopping::kNever && length_penalty_ > 0.0) length = max_new_tokens_;
  const double highest_attainable = best_sum_logprobs / std::pow(static_cast<double>(length), length_penalty_);
  return worst_score_ >= highest_attainable;
}

Generated BeamHypotheses::best() const {
  Generated out;
  const Hypothesis* best = nullptr;
  for (const Hypothesis& h : beams_) {
    if (best == nullptr || h.score >= best->score) best = &h;  // the last of the highest
  }
  if (best != nullptr) {
    out.tokens = best->tokens;
    out.finish = best->finish;
    out.score = best->score;
  }
  return out;
}

std::vector<Generated> beam_search(CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                                   const GenerationOptions& options, const GenerationPlan& plan) {
  const int64_t beams = options.num_beams;
  LogitsSettings settings;
  settings.repetition_penalty = options.repetition_penalty;

  std::vector<BeamHypotheses> hypotheses;
  std::vector<std::vector<int64_t>> expanded;  // each prompt `beams` times
  for (const auto& prompt : prompts) {
    hypotheses.emplace_back(beams, options.length_penalty, options.early_stopping, options.max_new_tokens);
    for (int64_t k = 0; k < beams; ++k) expanded.push_back(prompt);
  }
  // Active prompts, and per row of the batch (prompt-major, `beams` rows each)
  // the beam's tokens and score. HF starts with one live beam: the others
  // score -1e9, so that the first step does not pick the same token `beams` times.
  std::vector<std::size_t> active(prompts.size());
  for (std::size_t i = 0; i < active.size(); ++i) active[i] = i;
  std::vector<std::vector<int64_t>> beam_tokens(expanded.size());
  std::vector<float> beam_scores(expanded.size(), 0.0f);
  for (std::size_t r = 0; r < beam_scores.size(); ++r) {
    if (r % static_cast<std::size_t>(beams) != 0) beam_scores[r] = -1e9f;
  }

  const PaddedBatch batch = left_pad(expanded, plan.pad_token_id);
  const torch::Device device = model.device();
  DecodeState state(model, batch.input_ids.to(device), batch.attention_mask.to(device), options.use_cache);
  const int64_t candidates = std::max<int64_t>(2, 1 + static_cast<int64_t>(options.eos_token_ids.size())) * beams;

  for (int64_t step = 0; step < options.max_new_tokens && !active.empty(); ++step) {
    const int64_t generated_len = step + 1;
    const torch::Tensor logits = state.next_logits();
    const int64_t vocab = logits.size(1);
    TokenHistory seen;
    if (settings.repetition_penalty != 1.0) {
      for (std::size_t a = 0; a < active.size(); ++a) {
        for (int64_t k = 0; k < beams; ++k) {
          std::vector<int64_t> history = prompts[active[a]];
          const auto& generated = beam_tokens[a * beams + k];
          history.insert(history.end(), generated.begin(), generated.end());
          seen.push_back(std::move(history));
        }
      }
    }
    TokenHistory banned;
    if (options.token_filter) {
      for (std::size_t a = 0; a < active.size(); ++a) {
        for (int64_t k = 0; k < beams; ++k) banned.push_back(options.token_filter(active[a], beam_tokens[a * beams + k]));
      }
    }
    const torch::Tensor processed = process_logits(torch::log_softmax(logits, -1), seen, settings, banned);
    const torch::Tensor current = torch::tensor(beam_scores, torch::kFloat32).to(processed.device());
    const torch::Tensor scores =
        (processed + current.unsqueeze(1)).view({static_cast<int64_t>(active.size()), beams * vocab});
    auto [top_scores_t, top_ids_t] = torch::topk(scores, std::min(candidates, beams * vocab), 1, true, true);
    const torch::Tensor top_scores = top_scores_t.to(torch::kCPU).contiguous();
    const torch::Tensor top_ids = top_ids_t.to(torch::kCPU).contiguous();
    const auto scores_a = top_scores.accessor<float, 2>();
    const auto ids_a = top_ids.accessor<int64_t, 2>();

    std::vector<std::size_t> next_active;
    std::vector<int64_t> next_rows;  // batch rows the next beams continue
    std::vector<int64_t> next_tokens;
    std::vector<float> next_scores;
    std::vector<std::vector<int64_t>> next_beam_tokens;
    for (std::size_t a = 0; a < active.size(); ++a) {
      const std::size_t p = active[a];
      BeamHypotheses& hyps = hypotheses[p];
      std::vector<int64_t> rows;
      std::vector<int64_t> tokens;
      std::vector<float> new_scores;
      for (int64_t rank = 0; rank < top_ids.size(1) && static_cast<int64_t>(rows.size()) < beams; ++rank) {
        const int64_t id = ids_a[static_cast<int64_t>(a)][rank];
        const float score = scores_a[static_cast<int64_t>(a)][rank];
        const int64_t source = static_cast<int64_t>(a) * beams + id / vocab;
        const int64_t token = id % vocab;
        std::vector<int64_t> extended = beam_tokens[source];
        extended.push_back(token);
        const bool eos = is_eos(options, token);
        const bool stop = !eos && hits_stop_string(options, extended);
        if (eos || stop) {
          if (rank >= beams) continue;  // HF: a finished candidate must rank among the first num_beams
          hyps.add(std::move(extended), eos ? FinishReason::kEos : FinishReason::kStopString, score, generated_len);
        } else {
          rows.push_back(source);
          tokens.push_back(token);
          new_scores.push_back(score);
        }
      }
      // Only stop strings can finish so many candidates that too few remain
      // (HF raises there); dead beams fill the places.
      while (static_cast<int64_t>(rows.size()) < beams) {
        rows.push_back(static_cast<int64_t>(a) * beams);
        tokens.push_back(plan.pad_token_id);
        new_scores.push_back(-1e9f);
      }
      const bool done = hyps.is_done(scores_a[static_cast<int64_t>(a)][0], generated_len);
      if (done) continue;
      // A prompt whose beams fill the context, or the last step: its open
      // beams join the hypotheses (HF's finalize).
      const bool last = generated_len == options.max_new_tokens;
      const bool full = plan.context > 0 && static_cast<int64_t>(prompts[p].size()) + generated_len >= plan.context;
      if (last || full) {
        for (int64_t k = 0; k < beams; ++k) {
          std::vector<int64_t> finished = beam_tokens[rows[k]];
          finished.push_back(tokens[k]);
          hyps.add(std::move(finished), full && !last ? FinishReason::kContextFull : FinishReason::kMaxNewTokens,
                   new_scores[k], generated_len);
        }
        continue;
      }
      next_active.push_back(p);
      for (int64_t k = 0; k < beams; ++k) {
        std::vector<int64_t> continued = beam_tokens[rows[k]];
        continued.push_back(tokens[k]);
        next_beam_tokens.push_back(std::move(continued));
        next_rows.push_back(rows[k]);
        next_tokens.push_back(tokens[k]);
        next_scores.push_back(new_scores[k]);
      }
    }
    active = std::move(next_active);
    if (active.empty()) break;
    state.select_rows(torch::tensor(next_rows, torch::kInt64));
    state.append(torch::tensor(next_tokens, torch::kInt64));
    beam_tokens = std::move(next_beam_tokens);
    beam_scores = std::move(next_scores);
  }

  std::vector<Generated> results;
  results.reserve(prompts.size());
  for (const BeamHypotheses& hyps : hypotheses) results.push_back(hyps.best());
  return results;
}

}  // namespace icma::model
