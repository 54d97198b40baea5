#include "fingerprint_scan.hpp"

#include <stdexcept>
#include <string>

#include "icma/chem/retrieval_fingerprints.hpp"

namespace icma::retrieval::detail {
namespace {

constexpr std::size_t kWordBits = 64;

// RDKit's Tanimoto on the integer counts; two empty fingerprints are identical.
inline double tanimoto(std::uint32_t common, std::uint32_t on_a, std::uint32_t on_b) {
  const std::uint32_t union_size = on_a + on_b - common;
  if (union_size == 0) return 1.0;
  return static_cast<double>(common) / static_cast<double>(union_size);
}

chem::BitFingerprint row_fingerprint(const std::uint64_t* words, std::size_t slot_words, std::uint32_t bits) {
  chem::BitFingerprint fingerprint(bits);
  for (std::size_t w = 0; w < slot_words; ++w) {
    for (std::uint64_t word = words[w]; word != 0; word &= word - 1) {
      fingerprint.set(w * kWordBits + static_cast<std::size_t>(__builtin_ctzll(word)));
    }
  }
  return fingerprint;
}

// ---- the scan ---------------------------------------------------------------------
// Written once and compiled twice (see scan() below). always_inline makes
// the compiler expand __builtin_popcountll inside each copy, with that
// copy's instruction set.

#define ICMA_SCAN_INLINE inline __attribute__((always_inline))

// Four independent sums, so that consecutive popcounts do not wait for
// each other's additions.
ICMA_SCAN_INLINE std::uint32_t and_popcount(const std::uint64_t* a, const std::uint64_t* b, std::size_t words) {
  std::uint64_t on[4] = {0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 4 <= words; i += 4) {
    on[0] += static_cast<std::uint64_t>(__builtin_popcountll(a[i] & b[i]));
    on[1] += static_cast<std::uint64_t>(__builtin_popcountll(a[i + 1] & b[i + 1]));
    on[2] += static_cast<std::uint64_t>(__builtin_popcountll(a[i + 2] & b[i + 2]));
    on[3] += static_cast<std::uint64_t>(__builtin_popcountll(a[i + 3] & b[i + 3]));
  }
  for (; i < words; ++i) on[0] += static_cast<std::uint64_t>(__builtin_popcountll(a[i] & b[i]));
  return static_cast<std::uint32_t>(on[0] + on[1] + on[2] + on[3]);
}

// Folds `row` (plan.fold_factor * query words long) onto the query's
// length, word by word (bit i goes to i % query_bits, as RDKit folds), and
// scores it.
ICMA_SCAN_INLINE double fold_row_score(const std::uint64_t* row, const LengthPlan& plan) {
  const std::size_t query_words = plan.query_words.size();
  std::uint32_t common = 0;
  std::uint32_t row_on = 0;
  for (std::size_t w = 0; w < query_words; ++w) {
    std::uint64_t folded = 0;
    for (std::size_t part = 0; part < plan.fold_factor; ++part) folded |= row[w + part * query_words];
    common += static_cast<std::uint32_t>(__builtin_popcountll(folded & plan.query_words[w]));
    row_on += static_cast<std::uint32_t>(__builtin_popcountll(folded));
  }
  return tanimoto(common, plan.query_popcount, row_on);
}

ICMA_SCAN_INLINE void scan_rows(const ScanInput& input, TopK& top) {
  for (std::size_t i = 0; i < input.count; ++i) {
    if (input.exclude_row && input.rows[i] == *input.exclude_row) continue;
    const LengthPlan& plan = input.plans[input.size_class[i]];
    const std::uint64_t* row = input.words + i * input.slot_words;
    double score = 0.0;
    switch (plan.mode) {
      case LengthPlan::Mode::same: {
        const std::uint32_t row_on = input.popcounts[i];
        // Skipping on equality is safe: rows come in ascending order, so a
        // tie with the k-th score would not displace it anyway.
        if (top.full() && plan.bound[row_on] <= top.threshold()) continue;
        const std::uint32_t common = and_popcount(row, plan.query_words.data(), plan.query_words.size());
        score = tanimoto(common, plan.query_popcount, row_on);
        break;
      }
      case LengthPlan::Mode::fold_row:
        score = fold_row_score(row, plan);
        break;
      case LengthPlan::Mode::generic:
        score = chem::fingerprint_similarity(row_fingerprint(row, input.slot_words, plan.row_bits), plan.query);
        break;
    }
    top.offer(input.rows[i], score);
  }
}

// The library is built for baseline x86-64, where __builtin_popcountll is a
// slow libgcc call; POPCNT (every x86-64 CPU since about 2008) makes the
// scan several times faster. The choice is made at run time.
#if defined(__x86_64__) || defined(__i386__)
#define ICMA_HAVE_POPCNT_SCAN 1
__attribute__((target("popcnt"))) void scan_with_popcnt(const ScanInput& input, TopK& top) {
  scan_rows(input, top);
}
#endif

void scan_portable(const ScanInput& input, TopK& top) { scan_rows(input, top); }

}  // namespace

void scan(const ScanInput& input, TopK& top) {
#ifdef ICMA_HAVE_POPCNT_SCAN
  static const bool has_popcnt = __builtin_cpu_supports("popcnt");
  if (has_popcnt) {
    scan_with_popcnt(input, top);
    return;
  }
#endif
  scan_portable(input, top);
}

// ---- plans ------------------------------------------------------------------------

LengthPlan plan_length(const chem::BitFingerprint& query, std::uint32_t row_bits, std::uint32_t max_popcount) {
  LengthPlan plan;
  plan.row_bits = row_bits;
  const std::size_t query_bits = query.size();
  const auto incompatible = [&] {
    return std::invalid_argument("cannot compare a " + std::to_string(query_bits) + "-bit fingerprint with " +
                                 std::to_string(row_bits) + "-bit ones");
  };
  // RDKit folds the longer by (longer / shorter); the result must have the
  // shorter's length.
  const std::size_t longer = std::max<std::size_t>(query_bits, row_bits);
  const std::size_t shorter = std::min<std::size_t>(query_bits, row_bits);
  if (longer / (longer / shorter) != shorter) throw incompatible();
  const bool word_aligned = longer % shorter == 0 && shorter % kWordBits == 0;

  if (query_bits > row_bits || query_bits == row_bits) {
    // Compare at the row's length: fold the query once here.
    const chem::BitFingerprint folded =
        query_bits == row_bits ? query : chem::fold_fingerprint(query, query_bits / row_bits);
    plan.mode = LengthPlan::Mode::same;
    plan.query_words = folded.words();
    plan.query_popcount = static_cast<std::uint32_t>(folded.count());
    // bound[r] = min(q, r) / max(q, r), an upper bound of the Tanimoto of
    // fingerprints with q and r bits on; correctly rounded division keeps
    // it >= every score it bounds.
    plan.bound.resize(static_cast<std::size_t>(max_popcount) + 1);
    for (std::uint32_t r = 0; r <= max_popcount; ++r) {
      plan.bound[r] = tanimoto(std::min(plan.query_popcount, r), plan.query_popcount, r);
    }
    return plan;
  }
  if (word_aligned) {
    plan.mode = LengthPlan::Mode::fold_row;
    plan.query_words = query.words();
    plan.query_popcount = static_cast<std::uint32_t>(query.count());
    plan.fold_factor = row_bits / query_bits;
    return plan;
  }
  plan.mode = LengthPlan::Mode::generic;
  plan.query = query;
  return plan;
}

}  // namespace icma::retrieval::detail
