#pragma once
// Corpus BLEU exactly as NLTK 3.8's corpus_bleu computes it with one
// reference per hypothesis and no smoothing:
//   - clipped n-gram counts are summed over the corpus (numerators), and each
//     row adds max(1, number of hypothesis n-grams) to the denominators;
//   - a zero numerator for some n > 1 becomes the smallest positive double
//     (NLTK's SmoothingFunction.method0), so BLEU is tiny rather than 0;
//   - BLEU is exactly 0 only when no unigram matches at all;
//   - the weighted logs are summed with math.fsum.
// Tokens are integer ids (interned words, or code points for SMILES).

#include <array>
#include <cstdint>
#include <vector>

namespace icma::eval {

constexpr int kMaxBleuOrder = 4;

struct BleuCounts {
  std::array<std::uint64_t, kMaxBleuOrder> numerators{};    // clipped matches for n = 1..4
  std::array<std::uint64_t, kMaxBleuOrder> denominators{};  // max(1, hypothesis n-grams) per row
  std::uint64_t hypothesis_length = 0;
  std::uint64_t reference_length = 0;

  BleuCounts& operator+=(const BleuCounts& other);
};

// Counts for one hypothesis against its one reference, for n = 1..4.
BleuCounts bleu_counts(const std::vector<std::uint32_t>& reference, const std::vector<std::uint32_t>& hypothesis);

// BLEU from corpus totals with the given weights (e.g. {.5,.5} for BLEU-2,
// {.25,.25,.25,.25} for BLEU-4).
double corpus_bleu(const BleuCounts& totals, const std::vector<double>& weights);

}  // namespace icma::eval
