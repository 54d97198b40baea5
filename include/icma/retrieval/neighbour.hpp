#pragma once
// One retrieved neighbour: a row of the indexed corpus and its similarity to
// the query. Every retrieval method (BM25, fingerprints, embeddings) returns
// ranked lists of these, best first; re-ranking and the neighbour files work
// on them without knowing which method made them.

#include <cstdint>

namespace icma::retrieval {

struct Neighbour {
  std::uint32_t row = 0;  ///< 0-based row of the corpus the index was built from
  double score = 0.0;     ///< similarity; larger is more similar
};

}  // namespace icma::retrieval
