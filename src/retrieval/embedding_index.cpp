// Building and searching the embedding index. The file format is in
// embedding_index_file.cpp.

#include "icma/retrieval/embedding_index.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "fingerprint_scan.hpp"

namespace icma::retrieval {
namespace {

// Corpus rows per tile: a tile's vectors (256 x 300 floats, 300 KB) stay in
// L2 while every query of the block is scored against them.
constexpr std::size_t kTileRows = 256;
constexpr std::size_t kLanes = 16;

}  // namespace

float embedding_dot(const float* a, const float* b, std::size_t dim) {
  // Sixteen independent partial sums: the compiler keeps them in vector
  // registers, and the order of additions is fixed by dim alone.
  float lanes[kLanes] = {};
  std::size_t k = 0;
  for (; k + kLanes <= dim; k += kLanes) {
    for (std::size_t j = 0; j < kLanes; ++j) lanes[j] += a[k + j] * b[k + j];
  }
  for (std::size_t j = 0; k < dim; ++k, ++j) lanes[j] += a[k] * b[k];
  float sum = 0.0f;
  for (float lane : lanes) sum += lane;
  return sum;
}

EmbeddingIndex EmbeddingIndex::from_rows(const EmbeddingRows& rows) {
  if (rows.dim == 0) throw std::invalid_argument("embeddings of dimension 0");
  if (rows.values.size() != rows.size() * rows.dim) throw std::invalid_argument("embedding values do not fill rows x dim");
  if (rows.size() >= std::numeric_limits<std::uint32_t>::max()) {
    throw std::invalid_argument("an embedding index holds at most 2^32 - 2 rows");
  }
  EmbeddingIndex index;
  index.dim_ = rows.dim;
  index.corpus_rows_ = rows.size();
  index.slot_of_row_.assign(rows.size(), -1);
  for (std::size_t row = 0; row < rows.size(); ++row) {
    if (!rows.present(row)) continue;
    index.slot_of_row_[row] = static_cast<std::int64_t>(index.rows_.size());
    index.rows_.push_back(static_cast<std::uint32_t>(row));
    index.values_.insert(index.values_.end(), rows.row(row), rows.row(row) + rows.dim);
  }
  return index;
}

const float* EmbeddingIndex::vector(std::uint32_t row) const {
  if (row >= corpus_rows_ || slot_of_row_[row] < 0) return nullptr;
  return values_.data() + static_cast<std::size_t>(slot_of_row_[row]) * dim_;
}

std::vector<std::vector<Neighbour>> EmbeddingIndex::top_k(const float* queries, std::size_t count, std::size_t k,
                                                          const std::vector<std::optional<std::uint32_t>>& exclude) const {
  if (exclude.size() != count) throw std::invalid_argument("one exclusion entry per query is needed");
  std::vector<detail::TopK> best(count, detail::TopK(std::min(k, rows_.size())));
  std::vector<float> scores(kTileRows);
  for (std::size_t first = 0; first < rows_.size(); first += kTileRows) {
    const std::size_t tile = std::min(kTileRows, rows_.size() - first);
    for (std::size_t q = 0; q < count; ++q) {
      const float* query = queries + q * dim_;
      for (std::size_t i = 0; i < tile; ++i) scores[i] = embedding_dot(query, values_.data() + (first + i) * dim_, dim_);
      detail::TopK& top = best[q];
      for (std::size_t i = 0; i < tile; ++i) {
        const std::uint32_t row = rows_[first + i];
        if (exclude[q] && *exclude[q] == row) continue;
        if (k == 0) continue;
        top.offer(row, static_cast<double>(scores[i]));  // rows ascend: ties keep the lower row
      }
    }
  }
  std::vector<std::vector<Neighbour>> out;
  out.reserve(count);
  for (detail::TopK& top : best) out.push_back(std::move(top).ranked());
  return out;
}

}  // namespace icma::retrieval
