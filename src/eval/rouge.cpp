#include "icma/eval/rouge.hpp"

#include <algorithm>
#include <unordered_map>

#include "icma/core/utf8.hpp"

namespace icma::eval {
namespace {

bool is_ascii_alnum_lower(char32_t c) { return (c >= U'a' && c <= U'z') || (c >= U'0' && c <= U'9'); }

// What a code point becomes under Python's str.lower() as far as the
// tokenizer can tell: an ASCII letter or digit, or "something else". ASCII
// upper case lowers to ASCII; of all other code points only two lower to
// ASCII letters: U+212A KELVIN SIGN -> 'k', and U+0130 (I with dot above),
// whose full lowercase mapping is "i" + U+0307 COMBINING DOT ABOVE.
// Returns 0 for "not a token character".
char32_t lower_token_char(char32_t c) {
  if (c >= U'A' && c <= U'Z') return c + (U'a' - U'A');
  if (is_ascii_alnum_lower(c)) return c;
  if (c == U'\u212A') return U'k';
  return 0;
}

RougeScore make_score(double precision, double recall) {
  RougeScore score;
  score.precision = precision;
  score.recall = recall;
  // rouge_score's scoring.fmeasure
  score.fmeasure = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
  return score;
}

// rouge_score's _score_ngrams: overlap of the n-gram multisets.
RougeScore score_ngrams(const std::vector<std::uint32_t>& target, const std::vector<std::uint32_t>& prediction,
                        std::size_t n) {
  const auto count_ngrams = [n](const std::vector<std::uint32_t>& tokens) {
    std::unordered_map<std::uint64_t, int> counts;
    for (std::size_t i = 0; i + n <= tokens.size(); ++i) {
      std::uint64_t key = tokens[i];
      if (n == 2) key = (key << 32) | tokens[i + 1];
      ++counts[key];
    }
    return counts;
  };
  const auto target_counts = count_ngrams(target);
  const auto prediction_counts = count_ngrams(prediction);
  long overlap = 0;
  for (const auto& [gram, count] : target_counts) {
    const auto it = prediction_counts.find(gram);
    if (it != prediction_counts.end()) overlap += std::min(count, it->second);
  }
  const long target_total = target.size() >= n ? static_cast<long>(target.size() - n + 1) : 0;
  const long prediction_total = prediction.size() >= n ? static_cast<long>(prediction.size() - n + 1) : 0;
  return make_score(static_cast<double>(overlap) / static_cast<double>(std::max(prediction_total, 1L)),
                    static_cast<double>(overlap) / static_cast<double>(std::max(target_total, 1L)));
}

std::size_t lcs_length(const std::vector<std::uint32_t>& a, const std::vector<std::uint32_t>& b) {
  std::vector<std::size_t> previous(b.size() + 1, 0), current(b.size() + 1, 0);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      current[j] = a[i - 1] == b[j - 1] ? previous[j - 1] + 1 : std::max(previous[j], current[j - 1]);
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

// rouge_score's _score_lcs.
RougeScore score_lcs(const std::vector<std::uint32_t>& target, const std::vector<std::uint32_t>& prediction) {
  if (target.empty() || prediction.empty()) return RougeScore{};
  const double lcs = static_cast<double>(lcs_length(target, prediction));
  return make_score(lcs / static_cast<double>(prediction.size()), lcs / static_cast<double>(target.size()));
}

}  // namespace

std::vector<std::string> rouge_tokenize(std::string_view text) {
  std::vector<std::string> tokens;
  std::string current;
  for (char32_t c : utf8::decode(text)) {
    const char32_t lowered = lower_token_char(c);
    if (lowered != 0) {
      current.push_back(static_cast<char>(lowered));
    } else if (c == U'\u0130') {
      // "i" followed by a combining mark: the "i" ends the current token.
      current.push_back('i');
      tokens.push_back(std::move(current));
      current.clear();
    } else if (!current.empty()) {
      tokens.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) tokens.push_back(std::move(current));
  return tokens;
}

RougeScores rouge_score(std::string_view target, std::string_view prediction) {
  // Tokens become ids shared by both texts so that n-grams compare as integers.
  std::unordered_map<std::string, std::uint32_t> ids;
  const auto to_ids = [&ids](std::string_view text) {
    std::vector<std::uint32_t> out;
    for (std::string& token : rouge_tokenize(text)) {
      out.push_back(ids.emplace(std::move(token), static_cast<std::uint32_t>(ids.size())).first->second);
    }
    return out;
  };
  const std::vector<std::uint32_t> target_ids = to_ids(target);
  const std::vector<std::uint32_t> prediction_ids = to_ids(prediction);
  RougeScores scores;
  scores.rouge1 = score_ngrams(target_ids, prediction_ids, 1);
  scores.rouge2 = score_ngrams(target_ids, prediction_ids, 2);
  scores.rougeL = score_lcs(target_ids, prediction_ids);
  return scores;
}

}  // namespace icma::eval
