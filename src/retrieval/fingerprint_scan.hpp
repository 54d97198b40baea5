#pragma once
// Private to the retrieval module: the brute-force Tanimoto scan behind
// FingerprintIndex::top_k.
//
// Stored rows are grouped by fingerprint length (rdk fingerprints are
// folded to 64-2048 bits per molecule). For each length the query gets a
// LengthPlan that says how the two are compared, as RDKit's
// FingerprintSimilarity does it:
//   same      lengths equal, or the query folded to the row length: AND + popcount
//   fold_row  the row is longer: folded to the query's length on the fly
//   generic   lengths that are not whole 64-bit words apart (never for our
//             kinds): bit by bit through chem::fingerprint_similarity
// Only complete scores are compared, so the ranking is exact. The only
// shortcut is a bound: Tanimoto <= min(on_a, on_b) / max(on_a, on_b), so a
// row whose bound cannot beat the current k-th score is skipped unread.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "icma/chem/molt5_fingerprints.hpp"
#include "icma/retrieval/neighbour.hpp"

namespace icma::retrieval::detail {

struct LengthPlan {
  enum class Mode { same, fold_row, generic };
  Mode mode = Mode::same;
  std::uint32_t row_bits = 0;               // the length of the rows this plan is for
  std::vector<std::uint64_t> query_words;   // same: the query folded to row_bits; fold_row: the query
  std::uint32_t query_popcount = 0;
  std::size_t fold_factor = 1;              // fold_row: row words per query word
  std::vector<double> bound;                // same: best possible score by row popcount
  chem::BitFingerprint query;               // generic: the query as given
};

// How rows of `row_bits` bits (with popcounts up to `max_popcount`) are
// compared with `query`. Throws std::invalid_argument where RDKit raises
// (the folded length would still differ).
LengthPlan plan_length(const chem::BitFingerprint& query, std::uint32_t row_bits, std::uint32_t max_popcount);

// The k best (score, row) pairs seen so far: a bounded heap whose top is
// the worst kept entry. Rows must be offered in ascending order, so that an
// entry tying the worst kept score never displaces it (corpus order wins).
class TopK {
 public:
  explicit TopK(std::size_t k) : k_(k) { heap_.reserve(k); }

  bool full() const { return heap_.size() == k_; }
  // The worst kept score; meaningful when full().
  double threshold() const { return heap_.front().score; }

  void offer(std::uint32_t row, double score) {
    if (heap_.size() < k_) {
      heap_.push_back({row, score});
      std::push_heap(heap_.begin(), heap_.end(), better);
    } else if (score > heap_.front().score) {
      std::pop_heap(heap_.begin(), heap_.end(), better);
      heap_.back() = {row, score};
      std::push_heap(heap_.begin(), heap_.end(), better);
    }
  }

  // Best first; equal scores by row.
  std::vector<Neighbour> ranked() && {
    std::sort_heap(heap_.begin(), heap_.end(), better);
    return std::move(heap_);
  }

 private:
  static bool better(const Neighbour& a, const Neighbour& b) {
    return a.score > b.score || (a.score == b.score && a.row < b.row);
  }
  std::size_t k_;
  std::vector<Neighbour> heap_;
};

struct ScanInput {
  const std::uint32_t* rows = nullptr;        // [count] corpus rows, ascending
  const std::uint32_t* popcounts = nullptr;   // [count]
  const std::uint64_t* words = nullptr;       // [count * slot_words]
  const std::uint8_t* size_class = nullptr;   // [count] index into plans
  const LengthPlan* plans = nullptr;
  std::size_t count = 0;
  std::size_t slot_words = 0;
  std::optional<std::uint32_t> exclude_row;
};

// Offers every stored row but the excluded one to `top`, in row order.
void scan(const ScanInput& input, TopK& top);

}  // namespace icma::retrieval::detail
