#pragma once
// Post-retrieval re-ranking (ICMA, Li et al., section "Post-retrieval
// Re-ranking"): choose which of a query's k ranked neighbours go into the
// prompt, and in what order.
//
// Every selection function takes the ranked list most similar first and
// returns the chosen entries *in rank order* (most similar first), whatever
// order they were picked in; the prompt order is a separate step,
// reverse_for_prompt. All return at most n entries and fewer only when the
// rule runs out of entries (see each function).
//
// What the official code does (phenixace/ICMA, dataset.py, RetrievalDataset;
// utils.py, retrieve_m2c_prompts / retrieve_c2m_prompts):
//  - It reads 10 neighbours per query and takes ranks start_pos,
//    start_pos + 1, ... until n_shot are taken ("top n", with start_pos = 1
//    for cap2mol training to skip the query itself, which BM25 ranks first).
//  - Its optional "bucket sampling" takes ranks j >= start_pos with
//    (j - start_pos) % int((10 - start_pos) / n_shot) == 0; see
//    select_buckets.
//  - It always reverses: each example is prepended to the prompt, so the
//    most similar ends up last, next to the query; see reverse_for_prompt.
//  - It has no random-walk code; select_random_walk follows the paper and
//    this project's issue 3 (see there).

#include <cstddef>
#include <vector>

#include "icma/core/random.hpp"
#include "icma/retrieval/neighbour.hpp"

namespace icma::retrieval {

// The first min(n, ranked.size()) entries: the test-time rule.
std::vector<Neighbour> select_top(const std::vector<Neighbour>& ranked, std::size_t n);

// Random walk, for training prompts (off at test time). Walks down the ranked
// list; at each entry draws once from `rng` and skips the entry with
// probability `skip_probability` (rng.chance(p)), takes it otherwise; stops
// as soon as n are taken (no further draws). If the list runs out first, the
// highest-ranked skipped entries fill the remaining places. So:
//   p = 0 -> the top n;  p = 1 -> everything skipped, the fill gives the top n;
//   ranked.size() < n -> all entries;  n = 0 or an empty list -> nothing.
// The result is in rank order (fill-ups sit at their own ranks, not at the
// end). The draws depend only on `rng`, so Rng::for_stream(seed, query index)
// makes the choice reproducible under any thread schedule.
// Throws InputError unless 0 <= skip_probability <= 1.
std::vector<Neighbour> select_random_walk(const std::vector<Neighbour>& ranked, std::size_t n,
                                          double skip_probability, Rng& rng);

// The official code's evenly spaced "bucket" selection. With k = ranked.size()
// and step = floor((k - start) / n), takes ranks j = start, start + step,
// start + 2*step, ... until n are taken, i.e. the ranks j >= start with
// (j - start) mod step == 0. When k - start >= n this always yields exactly n
// ranks, all below k. Cases the official code does not handle:
//   n = 0 or start >= k      -> nothing (the official code stops or reads
//                               past the query's block);
//   0 < k - start < n        -> step would be 0 (a ZeroDivisionError there);
//                               here step is 1, so every rank from start to
//                               k - 1 is taken: k - start entries, fewer than n.
// The official files have k = 10, where this equals the official choice.
std::vector<Neighbour> select_buckets(const std::vector<Neighbour>& ranked, std::size_t n,
                                      std::size_t start);

// Sequence reversal: `chosen` in rank order (most similar first) becomes
// prompt order, most similar last, right before the query.
std::vector<Neighbour> reverse_for_prompt(std::vector<Neighbour> chosen);

}  // namespace icma::retrieval
