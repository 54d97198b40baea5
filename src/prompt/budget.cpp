#include "icma/prompt/budget.hpp"

#include <algorithm>
#include <mutex>

#include "icma/core/parallel.hpp"
#include "icma/core/progress.hpp"

namespace icma::prompt {
namespace {

std::size_t tokens_of(const TokenCounter& counter, const PromptRecord& record) {
  return counter.count(record.prompt + record.target);
}

// A prompt of N tokens holds at most about N of its query's own tokens (a few
// more can merge with the text around them): the cuts worth trying.
constexpr std::size_t kMergeSlack = 64;
// With no token boundary to go by, character boundaries up to this many bytes
// per token of the budget (no real token is longer).
constexpr std::size_t kBytesPerToken = 64;

}  // namespace

std::size_t TokenizerCounter::count(const std::string& text) const { return tokenizer_.encode(text, true).size(); }

std::vector<std::size_t> TokenizerCounter::cut_points(const std::string& text, std::size_t max_tokens) const {
  // Only the text's first max_tokens tokens matter: encoding a head of it
  // (whole characters) gives them without encoding a megabyte. Every cut is
  // checked by a real count afterwards, so a head that tokenizes a little
  // differently at its end costs nothing but a candidate.
  std::size_t head = max_tokens > text.size() / kBytesPerToken ? text.size() : max_tokens * kBytesPerToken;
  while (head < text.size() && (static_cast<unsigned char>(text[head]) & 0xC0) == 0x80) --head;
  const std::vector<std::uint32_t> ids = tokenizer_.encode(std::string_view(text).substr(0, head), false);
  std::vector<std::size_t> points = {0};
  std::vector<std::uint32_t> prefix;
  // Each prefix is decoded whole (decoders are not incremental), so this is
  // quadratic in the prefixes tried: at most max_tokens of them.
  const std::size_t end = std::min(ids.size(), max_tokens + 1);
  for (std::size_t m = 1; m < end; ++m) {
    prefix.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(m));
    const std::string piece = tokenizer_.decode(prefix, false);
    // A decoded prefix that is not a byte prefix of the text (a normalizer
    // changed it, or it ends inside a character) is no place to cut.
    if (piece.size() > points.back() && piece.size() < text.size() && text.compare(0, piece.size(), piece) == 0) {
      points.push_back(piece.size());
    }
  }
  if (points.size() == 1 && end > 1) {
    return utf8_boundaries(text, max_tokens > text.size() / kBytesPerToken ? text.size() : max_tokens * kBytesPerToken);
  }
  return points;
}

std::vector<std::size_t> utf8_boundaries(const std::string& text, std::size_t max_bytes) {
  std::vector<std::size_t> points;
  for (std::size_t i = 0; i < std::min(text.size(), max_bytes); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) points.push_back(i);
  }
  if (points.empty()) points.push_back(0);
  return points;
}

FitResult fit_prompt(const PromptTemplates& templates, const PromptPlan& plan, const RenderOptions& options,
                     const TokenCounter& counter, std::size_t cutoff_len) {
  FitResult result;
  std::size_t n = plan.examples.size();
  result.record = render(templates, plan, options, n, plan.input);
  result.tokens = tokens_of(counter, result.record);
  // Drop from the least similar end: render keeps the best n. When even no
  // example does not fit (a huge query), the ones between need no trying.
  if (result.tokens > cutoff_len && n > 1) {
    PromptRecord bare = render(templates, plan, options, 0, plan.input);
    const std::size_t bare_tokens = tokens_of(counter, bare);
    if (bare_tokens > cutoff_len) {
      result.examples_dropped = n;
      n = 0;
      result.record = std::move(bare);
      result.tokens = bare_tokens;
    }
  }
  while (result.tokens > cutoff_len && n > 0) {
    --n;
    ++result.examples_dropped;
    result.record = render(templates, plan, options, n, plan.input);
    result.tokens = tokens_of(counter, result.record);
  }
  if (result.tokens <= cutoff_len) return result;

  // No example left and still too long: the longest prefix of the query's
  // text, ending at a token boundary, that fits. Longer prefixes never take
  // fewer tokens, so a binary search over the boundaries finds it.
  const std::vector<std::size_t> points = counter.cut_points(plan.input, cutoff_len + kMergeSlack);
  const auto fitted = [&](std::size_t length) {
    PromptRecord record = render(templates, plan, options, 0, plan.input.substr(0, length));
    const std::size_t tokens = tokens_of(counter, record);
    return std::make_pair(std::move(record), tokens);
  };
  auto best = fitted(points.front());
  if (best.second > cutoff_len) {
    result.over = true;  // the target alone is too long: keep the query whole
    return result;
  }
  std::size_t low = 0;                // points[low] fits
  std::size_t high = points.size();   // points[high] (if any) does not
  while (high - low > 1) {
    const std::size_t mid = low + (high - low) / 2;
    auto candidate = fitted(points[mid]);
    if (candidate.second <= cutoff_len) {
      low = mid;
      best = std::move(candidate);
    } else {
      high = mid;
    }
  }
  result.record = std::move(best.first);
  result.tokens = best.second;
  result.truncated = true;
  return result;
}

std::vector<PromptRecord> fit_prompts(const PromptTemplates& templates, const std::vector<PromptPlan>& plans,
                                      const RenderOptions& options, const TokenCounter& counter,
                                      std::size_t cutoff_len, unsigned threads, BudgetCounts& counts) {
  counts = BudgetCounts{};
  counts.rows = plans.size();
  std::vector<PromptRecord> records(plans.size());
  std::mutex counts_mutex;
  Progress progress("prompts", plans.size());
  parallel_for(plans.size(), threads, 64, [&](std::size_t begin, std::size_t end) {
    BudgetCounts local;
    for (std::size_t i = begin; i < end; ++i) {
      FitResult fit = fit_prompt(templates, plans[i], options, counter, cutoff_len);
      if (fit.examples_dropped > 0) ++local.rows_dropping_examples;
      local.examples_dropped += fit.examples_dropped;
      if (fit.truncated) ++local.rows_truncated;
      if (fit.over) ++local.rows_over;
      local.max_tokens = std::max(local.max_tokens, fit.tokens);
      local.total_tokens += fit.tokens;
      records[i] = std::move(fit.record);
    }
    progress.advance(end - begin);
    std::lock_guard<std::mutex> lock(counts_mutex);
    counts.rows_dropping_examples += local.rows_dropping_examples;
    counts.examples_dropped += local.examples_dropped;
    counts.rows_truncated += local.rows_truncated;
    counts.rows_over += local.rows_over;
    counts.max_tokens = std::max(counts.max_tokens, local.max_tokens);
    counts.total_tokens += local.total_tokens;
  });
  progress.finish();
  return records;
}

}  // namespace icma::prompt
