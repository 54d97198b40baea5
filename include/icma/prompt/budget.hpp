#pragma once
// The token budget of training prompts (--cutoff-len): a row whose
// prompt + target is longer than the cutoff loses examples from the least
// similar end, one at a time (the best examples stay: they help most); when no
// example is left and it is still too long, the query's own text in the
// prompt - the SMILES for mol2cap, the caption for cap2mol - is cut at a token
// boundary to the longest prefix that fits. The target is never cut: it is
// what the model learns. A row that does not fit even with an empty query
// text (its target alone is too long) is written as its zero-shot prompt,
// untruncated, and counted. Tokens are counted as training counts them: the
// tokenizer's special tokens (BOS) included.

#include <cstddef>
#include <string>
#include <vector>

#include "icma/tokenizer/tokenizer.hpp"
#include "icma/prompt/builder.hpp"

namespace icma::prompt {

// What the budget needs from a tokenizer (tests give it simple ones).
class TokenCounter {
 public:
  virtual ~TokenCounter() = default;
  // Tokens of `text` as training sees it, special tokens included. Thread-safe.
  virtual std::size_t count(const std::string& text) const = 0;
  // Byte lengths of the prefixes of `text` that end at a token boundary and
  // hold at most `max_tokens` of its tokens, ascending, starting with 0 and
  // below text.size(). Thread-safe. (A budget of N tokens needs no cut past
  // about N tokens, so a 1 MB caption costs one encoding, not a million.)
  virtual std::vector<std::size_t> cut_points(const std::string& text, std::size_t max_tokens) const = 0;
};

// An LLM tokenizer's counts. Token boundaries are the lengths of decoded
// prefixes of the text's ids that are byte prefixes of the text; when the
// tokenizer's normalizer changes the text so that none is, UTF-8 character
// boundaries are used instead (those of the first 64 bytes per token).
class TokenizerCounter final : public TokenCounter {
 public:
  explicit TokenizerCounter(const tokenizer::Tokenizer& tokenizer) : tokenizer_(tokenizer) {}
  std::size_t count(const std::string& text) const override;
  std::vector<std::size_t> cut_points(const std::string& text, std::size_t max_tokens) const override;

 private:
  const tokenizer::Tokenizer& tokenizer_;
};

// Byte offsets of the UTF-8 characters of `text` (0 included, text.size() not),
// below `max_bytes`.
std::vector<std::size_t> utf8_boundaries(const std::string& text, std::size_t max_bytes = std::string::npos);

// One row fitted to the budget, and what it took.
struct FitResult {
  PromptRecord record;
  std::size_t tokens = 0;            ///< prompt + target tokens as written
  std::size_t examples_dropped = 0;
  bool truncated = false;            ///< the query's text was cut
  bool over = false;                 ///< does not fit even so (written untruncated, zero-shot)
};

FitResult fit_prompt(const PromptTemplates& templates, const PromptPlan& plan, const RenderOptions& options,
                     const TokenCounter& counter, std::size_t cutoff_len);

struct BudgetCounts {
  std::size_t rows = 0;
  std::size_t rows_dropping_examples = 0;  ///< rows that lost at least one example
  std::size_t examples_dropped = 0;        ///< examples lost, all rows together
  std::size_t rows_truncated = 0;          ///< rows whose query text was cut
  std::size_t rows_over = 0;               ///< rows still longer than the cutoff
  std::size_t max_tokens = 0;              ///< longest prompt + target written
  std::size_t total_tokens = 0;            ///< all rows' prompt + target tokens
};

// fit_prompt for every plan, on `threads` threads, with a progress bar; rows
// in plan order.
std::vector<PromptRecord> fit_prompts(const PromptTemplates& templates, const std::vector<PromptPlan>& plans,
                                      const RenderOptions& options, const TokenCounter& counter,
                                      std::size_t cutoff_len, unsigned threads, BudgetCounts& counts);

}  // namespace icma::prompt
