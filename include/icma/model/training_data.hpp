#pragma once
// What a causal LM learns from: (prompt, target) texts, tokenised with the
// official ICMA code's rule for which tokens are the target, and the mean
// target-token loss of a set of them.
//
// The target-span rule (phenixace/ICMA icma_train.py, generate_and_tokenize_prompt):
// ids = encode(prompt + target) with the tokenizer's special tokens; the
// target is every id after the first len(encode(prompt.strip())). The code
// strips the prompt before counting, so a template's trailing " \n" is
// learnt as part of the answer. Training (the loss mask) and
// `icma-generate score` (the scored span) both use this rule, so a score
// measures exactly what training optimises.
//
// The texts come from anywhere (prompt files are read by the prompt module);
// this module only needs the pairs.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "icma/model/causal_lm.hpp"
#include "icma/tokenizer/tokenizer.hpp"

namespace icma::model {

// One training text, as prompt + target.
struct PromptTarget {
  std::string id;
  std::string prompt;
  std::string target;
};

struct TrainingExample {
  std::string id;
  std::vector<int64_t> ids;
  int64_t loss_from = 0;  // tokens at this index and after count in the loss
};

// The prompt as the official code measures it: Python's str.strip() (ASCII
// whitespace). Its inference also tokenises stripped prompts.
std::string strip_prompt(const std::string& prompt);

// The target-span rule above, for each row (no cutoff): loss_from is the
// index of the first target token.
std::vector<TrainingExample> tokenize_prompt_targets(const std::vector<PromptTarget>& rows,
                                                     const tokenizer::Tokenizer& tokenizer, unsigned threads);

struct TokenizeStats {
  std::size_t examples = 0;
  std::size_t truncated = 0;          // longer than cutoff_len, cut
  std::size_t without_targets = 0;    // no target token left after the cut
};

// Training examples: the rule above, every id in the loss with
// train_on_inputs, and sequences longer than cutoff_len (> 0) cut to their
// first cutoff_len ids, as the official code does. `source` names the rows'
// file in messages. Throws InputError when there are no rows, or when no
// row keeps a target token within the cutoff.
std::vector<TrainingExample> make_training_examples(const std::vector<PromptTarget>& rows, const std::string& source,
                                                    const tokenizer::Tokenizer& tokenizer, int64_t cutoff_len,
                                                    bool train_on_inputs, unsigned threads, TokenizeStats* stats);

// Mean target-token loss of `examples` (no gradients, eval mode).
double evaluate_loss(CausalLM& model, const std::vector<TrainingExample>& examples, int64_t micro_batch,
                     int64_t pad_token_id);

}  // namespace icma::model
