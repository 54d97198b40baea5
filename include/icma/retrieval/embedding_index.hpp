#pragma once
// Molecule retrieval by cosine similarity of GNN embeddings: an exact,
// brute-force index over unit-length float32 vectors, so that cosine is a
// dot product and a block of queries against the corpus is one matrix
// product. The vectors are computed elsewhere (the gnn module, which needs
// LibTorch; this module does not).
//
// Scores are float32 dot products (accumulated in a fixed order, so the
// same on every call, whatever the block or thread), reported as double.
// Ties are broken by corpus row, lower first, as the other methods do.
// A built or loaded index is immutable; top_k may run on many threads.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "icma/data/embedding_rows.hpp"
#include "icma/retrieval/neighbour.hpp"

namespace icma::retrieval {

// The rows an encoder produced (data/embedding_rows.hpp).
using data::EmbeddingRows;

class EmbeddingIndex {
 public:
  // The present rows of `rows` become searchable. Throws
  // std::invalid_argument for dim 0, inconsistent sizes, or 2^32 rows.
  static EmbeddingIndex from_rows(const EmbeddingRows& rows);

  // Writes the index atomically in our own binary format (see
  // embedding_index_file.cpp); load() reads it, throwing InputError naming
  // the file for a missing, truncated or corrupt one.
  void save(const std::string& path) const;
  static EmbeddingIndex load(const std::string& path);

  std::size_t dim() const { return dim_; }
  std::size_t size() const { return corpus_rows_; }             // corpus rows, searchable or not
  std::size_t searchable_size() const { return rows_.size(); }
  // The stored vector of a corpus row; nullptr when the row has none.
  const float* vector(std::uint32_t row) const;

  // For each of `count` queries (row-major [count * dim], unit length), the
  // min(k, searchable rows) most similar rows, best first; exclude[q], a
  // corpus row, is left out for query q. One pass over the corpus serves the
  // whole block. Throws std::invalid_argument when exclude.size() != count.
  std::vector<std::vector<Neighbour>> top_k(const float* queries, std::size_t count, std::size_t k,
                                            const std::vector<std::optional<std::uint32_t>>& exclude) const;

 private:
  EmbeddingIndex() = default;
  std::size_t dim_ = 0;
  std::size_t corpus_rows_ = 0;
  std::vector<std::uint32_t> rows_;     // [searchable] corpus row of each vector, ascending
  std::vector<float> values_;           // [searchable * dim]
  std::vector<std::int64_t> slot_of_row_;  // [corpus rows] index into rows_, -1 if none
};

// Dot product of two float vectors of length dim, in the fixed order top_k uses.
float embedding_dot(const float* a, const float* b, std::size_t dim);

}  // namespace icma::retrieval
