#include "icma/retrieval/rerank.hpp"

#include <algorithm>
#include <sstream>

#include "icma/core/error.hpp"

namespace icma::retrieval {

std::vector<Neighbour> select_top(const std::vector<Neighbour>& ranked, std::size_t n) {
  const std::size_t count = std::min(n, ranked.size());
  return std::vector<Neighbour>(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(count));
}

std::vector<Neighbour> select_random_walk(const std::vector<Neighbour>& ranked, std::size_t n,
                                          double skip_probability, Rng& rng) {
  // Written so that NaN fails too.
  if (!(skip_probability >= 0.0 && skip_probability <= 1.0)) {
    std::ostringstream message;
    message << "random-walk skip probability must be between 0 and 1, got " << skip_probability;
    throw InputError(message.str());
  }
  const std::size_t wanted = std::min(n, ranked.size());

  // Mark what the walk takes, by rank, so that the result comes out in rank
  // order without sorting and the fill-up can find the skipped entries.
  std::vector<bool> taken(ranked.size(), false);
  std::size_t taken_count = 0;
  for (std::size_t rank = 0; rank < ranked.size() && taken_count < wanted; ++rank) {
    if (rng.chance(skip_probability)) continue;
    taken[rank] = true;
    ++taken_count;
  }
  // The list ran out: fill up with the highest-ranked skipped entries.
  for (std::size_t rank = 0; rank < ranked.size() && taken_count < wanted; ++rank) {
    if (taken[rank]) continue;
    taken[rank] = true;
    ++taken_count;
  }

  std::vector<Neighbour> chosen;
  chosen.reserve(wanted);
  for (std::size_t rank = 0; rank < ranked.size(); ++rank) {
    if (taken[rank]) chosen.push_back(ranked[rank]);
  }
  return chosen;
}

std::vector<Neighbour> select_buckets(const std::vector<Neighbour>& ranked, std::size_t n,
                                      std::size_t start) {
  const std::size_t k = ranked.size();
  if (n == 0 || start >= k) return {};
  const std::size_t step = std::max<std::size_t>(1, (k - start) / n);
  std::vector<Neighbour> chosen;
  for (std::size_t rank = start; rank < k && chosen.size() < n; rank += step) {
    chosen.push_back(ranked[rank]);
  }
  return chosen;
}

std::vector<Neighbour> reverse_for_prompt(std::vector<Neighbour> chosen) {
  std::reverse(chosen.begin(), chosen.end());
  return chosen;
}

}  // namespace icma::retrieval
