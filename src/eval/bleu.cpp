#include "icma/eval/bleu.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "icma/eval/stats.hpp"

namespace icma::eval {
namespace {

// An n-gram of up to four 32-bit token ids packed into one integer, so that
// sorting and comparing n-grams is plain integer work. Only n-grams of one
// order are ever compared with each other.
using Ngram = unsigned __int128;

// All n-grams of `tokens`, sorted, so that equal n-grams are adjacent.
std::vector<Ngram> sorted_ngrams(const std::vector<std::uint32_t>& tokens, int n) {
  std::vector<Ngram> ngrams;
  if (tokens.size() < static_cast<std::size_t>(n)) return ngrams;
  ngrams.reserve(tokens.size() - n + 1);
  for (std::size_t i = 0; i + n <= tokens.size(); ++i) {
    Ngram gram = 0;
    for (int k = 0; k < n; ++k) gram = (gram << 32) | tokens[i + k];
    ngrams.push_back(gram);
  }
  std::sort(ngrams.begin(), ngrams.end());
  return ngrams;
}

// Sum over distinct hypothesis n-grams of min(count in hypothesis, count in
// reference): NLTK's clipped count, computed by merging two sorted lists.
std::uint64_t clipped_matches(const std::vector<Ngram>& hypothesis, const std::vector<Ngram>& reference) {
  std::uint64_t matches = 0;
  std::size_t i = 0, j = 0;
  while (i < hypothesis.size() && j < reference.size()) {
    if (hypothesis[i] < reference[j]) {
      ++i;
    } else if (reference[j] < hypothesis[i]) {
      ++j;
    } else {
      ++matches;  // pairs one occurrence in each list
      ++i;
      ++j;
    }
  }
  return matches;
}

}  // namespace

BleuCounts& BleuCounts::operator+=(const BleuCounts& other) {
  for (int n = 0; n < kMaxBleuOrder; ++n) {
    numerators[n] += other.numerators[n];
    denominators[n] += other.denominators[n];
  }
  hypothesis_length += other.hypothesis_length;
  reference_length += other.reference_length;
  return *this;
}

BleuCounts bleu_counts(const std::vector<std::uint32_t>& reference, const std::vector<std::uint32_t>& hypothesis) {
  BleuCounts counts;
  for (int n = 1; n <= kMaxBleuOrder; ++n) {
    const std::vector<Ngram> hypothesis_ngrams = sorted_ngrams(hypothesis, n);
    const std::vector<Ngram> reference_ngrams = sorted_ngrams(reference, n);
    counts.numerators[n - 1] = clipped_matches(hypothesis_ngrams, reference_ngrams);
    counts.denominators[n - 1] = std::max<std::uint64_t>(1, hypothesis_ngrams.size());
  }
  counts.hypothesis_length = hypothesis.size();
  counts.reference_length = reference.size();  // the closest (only) reference
  return counts;
}

double corpus_bleu(const BleuCounts& totals, const std::vector<double>& weights) {
  if (totals.numerators[0] == 0) return 0.0;

  // NLTK's brevity_penalty(closest_ref_len, hyp_len).
  const double c = static_cast<double>(totals.hypothesis_length);
  const double r = static_cast<double>(totals.reference_length);
  double brevity_penalty = 1.0;
  if (totals.hypothesis_length <= totals.reference_length) {
    brevity_penalty = totals.hypothesis_length == 0 ? 0.0 : std::exp(1.0 - r / c);
  }

  std::vector<double> weighted_logs;
  for (std::size_t n = 0; n < weights.size() && n < kMaxBleuOrder; ++n) {
    // Fraction -> float is a correctly rounded division; both counts are
    // far below 2^53, so one double division gives the same value.
    const double precision = totals.numerators[n] == 0
                                 ? std::numeric_limits<double>::min()  // sys.float_info.min
                                 : static_cast<double>(totals.numerators[n]) / static_cast<double>(totals.denominators[n]);
    weighted_logs.push_back(weights[n] * std::log(precision));
  }
  return brevity_penalty * std::exp(python_fsum(weighted_logs));
}

}  // namespace icma::eval
