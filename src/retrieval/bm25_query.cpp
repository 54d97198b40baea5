// BM25 queries over an open index: rank_bm25's get_scores, and the top k.

#include <algorithm>
#include <stdexcept>

#include "icma/retrieval/bm25.hpp"

namespace icma::retrieval {
namespace {

// out[i] += weights[i]: the hot loop of a query. x86-64 builds target SSE2
// by default, so GCC also makes AVX2 and AVX-512 versions of it, chosen at
// run time; adding element by element gives the same bits at any width.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void add_dense(double* out, const double* weights, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] += weights[i];
}

}  // namespace

std::vector<double> Bm25Index::scores(std::string_view query) const {
  // get_scores: score += contribution, term by term in query order, repeats
  // included, so each row's additions happen in numpy's order. Adding 0 to a
  // row without the term changes nothing (x + 0 == x; a score is never -0):
  // a sparse term visits only its postings, a dense one adds its zeros too.
  const std::size_t rows = document_count_;
  std::vector<double> score(rows, 0.0);
  for (const std::string& token : bm25_tokenize(analyzer_, query)) {
    const auto found = term_ids_.find(token);
    if (found == term_ids_.end()) continue;  // unknown tokens score 0
    const std::uint32_t id = found->second;
    if (dense_slot_[id] != kSparse) {
      add_dense(score.data(), &dense_weights_[std::size_t{dense_slot_[id]} * rows], rows);
      continue;
    }
    for (std::size_t i = posting_begin_[id]; i < posting_begin_[id + 1]; ++i) {
      score[posting_rows_[i]] += posting_weights_[i];
    }
  }
  return score;
}

std::vector<Neighbour> Bm25Index::top_k(std::string_view query, std::size_t k,
                                        std::optional<std::uint32_t> exclude_row) const {
  if (exclude_row && *exclude_row >= document_count_) {
    throw std::out_of_range("Bm25Index::top_k: exclude_row " + std::to_string(*exclude_row) + " is beyond the " +
                            std::to_string(document_count_) + " rows");
  }
  const std::vector<double> score = scores(query);
  // "Better" = higher score, then lower row. A heap of the k best so far with
  // the worst on top; rows come in ascending order, so a later row with an
  // equal score never displaces an earlier one.
  const auto better = [](const Neighbour& a, const Neighbour& b) {
    return a.score != b.score ? a.score > b.score : a.row < b.row;
  };
  const std::uint32_t rows = static_cast<std::uint32_t>(document_count_);  // < 2^31 (build checks)
  const std::uint32_t excluded = exclude_row.value_or(rows);
  std::vector<Neighbour> best;
  best.reserve(std::min<std::size_t>(k, rows));
  std::uint32_t row = 0;
  for (; row < rows && best.size() < k; ++row) {
    if (row == excluded) continue;
    best.push_back({row, score[row]});
    std::push_heap(best.begin(), best.end(), better);
  }
  if (best.empty()) return best;
  // Once the heap is full, most rows fail the first comparison.
  double worst = best.front().score;
  for (; row < rows; ++row) {
    if (!(score[row] > worst) || row == excluded) continue;
    std::pop_heap(best.begin(), best.end(), better);
    best.back() = {row, score[row]};
    std::push_heap(best.begin(), best.end(), better);
    worst = best.front().score;
  }
  std::sort_heap(best.begin(), best.end(), better);
  return best;
}

}  // namespace icma::retrieval
