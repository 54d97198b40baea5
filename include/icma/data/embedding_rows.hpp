#pragma once
// Embedding rows: one vector per record, or the reason there is none. What
// an encoder (the GIN of gnn/, a sentence encoder) produces and what the
// embedding index of retrieval/ searches; it lives here so that neither of
// those modules needs the other.

#include <cstddef>
#include <string>
#include <vector>

namespace icma::data {

struct EmbeddingRows {
  std::size_t dim = 0;
  std::vector<float> values;          // [rows * dim], row-major; unit length where present
  std::vector<std::string> missing;   // [rows] "" = present, else why not (e.g. "SMILES does not parse")

  std::size_t size() const { return missing.size(); }
  bool present(std::size_t row) const { return missing[row].empty(); }
  const float* row(std::size_t row) const { return values.data() + row * dim; }
};

}  // namespace icma::data
