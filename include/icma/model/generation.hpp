#pragma once
// Text generation with a CausalLM, with the semantics of Hugging Face
// `generate` (transformers 4.36-4.47, the BeamSearchScorer era):
//
//   greedy       argmax of the processed scores (first index on ties)
//   sampling     softmax of the processed scores, one multinomial draw
//   beam search  num_beams > 1: HF's BeamSearchScorer. Each step the
//                log-softmax scores (after the repetition penalty) are added
//                to the beam scores; the top max(2, 1 + #eos) * num_beams
//                candidates of each prompt are visited best first; a
//                candidate ending in EOS (or completing a stop string) among
//                the first num_beams becomes a finished hypothesis scored
//                sum_logprobs / generated_len ** length_penalty, where
//                generated_len counts the new tokens, its EOS included; the
//                others fill the next num_beams beams. A prompt is done when
//                early_stopping says so (HF's BeamHypotheses.is_done); at the
//                end its open beams join the hypotheses and the best one wins.
//
// Logits processors (logits_processors.hpp): repetition penalty, the
// token_filter's bans (HF's prefix_allowed_tokens_fn, told what a row may not
// take), then, when sampling, temperature, top-k (HF's default is 50) and top-p.
//
// Batches: prompts of different lengths are LEFT-padded with an attention
// mask, so a prompt's result does not depend on its batch-mates (up to
// floating-point differences of batched matrix products). Two deliberate
// differences from HF, for that reason:
//   - the repetition penalty sees a row's real tokens only (HF's also
//     penalises the padding token id in padded rows);
//   - sampling draws from one generator per prompt (row_seeds), not one per
//     batch, so that a prompt's sample is the same at any batch size and
//     after --resume.
// A row stops at its first EOS token (config or tokenizer EOS ids), when its
// generated text contains a stop string, after max_new_tokens, or when it
// fills the model's context (max_position_embeddings); finished rows leave
// the batch (in HF they emit padding, which is what padded_tokens() shows).
//
// With use_cache the prompt runs once and each step feeds one token per row
// through the KV cache; without it every step recomputes the whole sequence
// (slow; a check of the cache).

#include <icma/model/causal_lm.hpp>

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace icma::model {

// HF's early_stopping: False (the heuristic, HF's default), True, "never".
enum class EarlyStopping { kHeuristic, kFirst, kNever };

struct GenerationOptions {
  int64_t max_new_tokens = 64;

  bool do_sample = false;
  double temperature = 1.0;         // sampling only; 1 = off
  int64_t top_k = 50;               // sampling only; 0 = off (HF's default is 50)
  double top_p = 1.0;               // sampling only; 1 = off
  double repetition_penalty = 1.0;  // 1 = off

  int64_t num_beams = 1;  // > 1: beam search (not with do_sample)
  double length_penalty = 1.0;
  EarlyStopping early_stopping = EarlyStopping::kHeuristic;

  std::vector<int64_t> eos_token_ids;          // any of them ends a row
  std::optional<int64_t> pad_token_id;         // default: pad_token_id_for (config.hpp) without a tokenizer
  std::vector<std::string> stop_strings;       // need `decode`
  // Text of generated tokens (e.g. Tokenizer::decode), for stop strings.
  std::function<std::string(const std::vector<int64_t>&)> decode;

  // Tokens a row may not take next (their scores become -inf), given the
  // row's prompt index and its new tokens so far; e.g. SMILES syntax
  // (translate/smiles_constraint.hpp). Empty: none banned.
  std::function<std::vector<int64_t>(std::size_t row, const std::vector<int64_t>& generated)> token_filter;

  bool use_cache = true;
  // Sampling seeds: row i draws from a generator seeded with row_seeds[i]
  // when given (one per prompt), else with Rng::for_stream(seed, i).next().
  uint64_t seed = 42;
  std::vector<uint64_t> row_seeds;
};

enum class FinishReason { kEos, kStopString, kMaxNewTokens, kContextFull };
const char* finish_reason_name(FinishReason reason);

struct Generated {
  // The new tokens, without padding; ends with the EOS token when finish is
  // kEos, and with the token that completed the stop string for kStopString.
  std::vector<int64_t> tokens;
  FinishReason finish = FinishReason::kMaxNewTokens;
  // Beam search: the hypothesis score (HF's sequence_scores). 0 otherwise.
  double score = 0.0;
};

// Generates a continuation of each prompt (token ids, non-empty) in one
// batch. Throws InputError for bad options, an empty prompt, a token id
// outside the vocabulary, or a prompt longer than the model's context.
std::vector<Generated> generate(CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                                const GenerationOptions& options);

// Checks options without running anything (flags are checked up front).
void check_generation_options(const GenerationOptions& options);

// The results as HF's sequences[:, prompt_length:]: [batch, longest], rows
// right-padded with `pad_token_id` (what finished rows emit).
torch::Tensor padded_tokens(const std::vector<Generated>& results, int64_t pad_token_id);

// Rows left-padded to the longest: input_ids (padding = pad_token_id) and
// attention_mask (0 = padding), both int64 [batch, longest].
struct PaddedBatch {
  torch::Tensor input_ids;
  torch::Tensor attention_mask;
};
PaddedBatch left_pad(const std::vector<std::vector<int64_t>>& rows, int64_t pad_token_id);

// Scoring (icma-generate score): for each sequence, the sum (in float64) of
// the log-probabilities (float32 log_softmax of the logits) of its tokens
// from index target_begin[i] on, each given the tokens before it; and their
// number. The sequences run as one left-padded batch. target_begin 0 is
// read as 1 (the first token has no prediction); target_begin >= length
// gives 0 tokens and logprob 0.
struct TargetScore {
  double logprob = 0.0;
  int64_t n_tokens = 0;
};
std::vector<TargetScore> score_targets(CausalLM& model, const std::vector<std::vector<int64_t>>& sequences,
                                       const std::vector<std::size_t>& target_begin);

}  // namespace icma::model
