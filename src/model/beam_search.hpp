#pragma once
// Beam search as Hugging Face's BeamSearchScorer / BeamHypotheses
// (transformers 4.36-4.47); see generation.hpp for the rules.

#include <cstdint>
#include <vector>

#include "generation_state.hpp"
#include "icma/model/generation.hpp"

namespace icma::model {

// The n-best finished hypotheses of one prompt (HF's BeamHypotheses).
class BeamHypotheses {
 public:
  BeamHypotheses(int64_t num_beams, double length_penalty, EarlyStopping early_stopping, int64_t max_new_tokens)
      : num_beams_(num_beams), length_penalty_(length_penalty), early_stopping_(early_stopping),
        max_new_tokens_(max_new_tokens) {}

  // Adds a finished hypothesis whose log-probabilities sum to
  // `sum_logprobs`, over `generated_len` new tokens (its EOS included).
  void add(std::vector<int64_t> tokens, FinishReason finish, double sum_logprobs, int64_t generated_len);
  // HF's is_done(best_sum_logprobs, cur_len) with cur_len - prompt length = generated_len.
  bool is_done(double best_sum_logprobs, int64_t generated_len) const;
  // The best hypothesis (the last added among equal scores, as HF's sorted().pop()).
  Generated best() const;
  std::size_t size() const { return beams_.size(); }

 private:
  struct Hypothesis {
    double score;
    std::vector<int64_t> tokens;
    FinishReason finish;
  };
  int64_t num_beams_;
  double length_penalty_;
  EarlyStopping early_stopping_;
  int64_t max_new_tokens_;
  std::vector<Hypothesis> beams_;
  double worst_score_ = 1e9;
};

std::vector<Generated> beam_search(CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                                   const GenerationOptions& options, const GenerationPlan& plan);

}  // namespace icma::model
