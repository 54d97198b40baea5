// The GNN embedding index of the retrieval module (torch-free, tested here
// beside the encoder that fills it): exact cosine ranking, ties by row,
// exclusion, rows without a vector, and its file.

#include "icma/retrieval/embedding_index.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "test_support.hpp"

namespace icma::retrieval {
namespace {

EmbeddingRows unit_rows(std::size_t rows, std::size_t dim, unsigned seed) {
  std::mt19937 engine(seed);
  std::normal_distribution<float> normal;
  EmbeddingRows out;
  out.dim = dim;
  out.values.resize(rows * dim);
  out.missing.assign(rows, "");
  for (std::size_t r = 0; r < rows; ++r) {
    double norm = 0.0;
    for (std::size_t k = 0; k < dim; ++k) norm += std::pow(out.values[r * dim + k] = normal(engine), 2);
    for (std::size_t k = 0; k < dim; ++k) out.values[r * dim + k] /= static_cast<float>(std::sqrt(norm));
  }
  return out;
}

TEST(EmbeddingIndex, RanksByCosineLikeABruteForceSort) {
  EmbeddingRows corpus = unit_rows(700, 37, 1);  // more than one tile, a dimension with a remainder
  corpus.missing[5] = "SMILES does not parse";
  const EmbeddingIndex index = EmbeddingIndex::from_rows(corpus);
  EXPECT_EQ(index.size(), 700u);
  EXPECT_EQ(index.searchable_size(), 699u);
  EXPECT_EQ(index.vector(5), nullptr);
  const EmbeddingRows queries = unit_rows(9, 37, 2);
  const auto found = index.top_k(queries.values.data(), 9, 10, std::vector<std::optional<std::uint32_t>>(9));
  for (std::size_t q = 0; q < 9; ++q) {
    std::vector<std::pair<double, std::uint32_t>> all;
    for (std::uint32_t r = 0; r < 700; ++r) {
      if (r != 5) all.push_back({embedding_dot(queries.row(q), corpus.row(r), 37), r});
    }
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    ASSERT_EQ(found[q].size(), 10u);
    for (std::size_t i = 0; i < 10; ++i) {
      EXPECT_EQ(found[q][i].row, all[i].second) << "query " << q << " rank " << i;
      EXPECT_EQ(found[q][i].score, all[i].first);
    }
  }
}

TEST(EmbeddingIndex, TiesGoToTheLowerRowAndExclusionWorks) {
  EmbeddingRows corpus;
  corpus.dim = 2;
  corpus.values = {1, 0, 0, 1, 1, 0, 1, 0};  // rows 0, 2, 3 equal
  corpus.missing.assign(4, "");
  const EmbeddingIndex index = EmbeddingIndex::from_rows(corpus);
  const float query[2] = {1, 0};
  auto found = index.top_k(query, 1, 3, {std::nullopt});
  ASSERT_EQ(found[0].size(), 3u);
  EXPECT_EQ(found[0][0].row, 0u);
  EXPECT_EQ(found[0][1].row, 2u);
  EXPECT_EQ(found[0][2].row, 3u);
  found = index.top_k(query, 1, 3, {std::uint32_t{2}});
  EXPECT_EQ(found[0][1].row, 3u);
  EXPECT_EQ(found[0][2].row, 1u);
  EXPECT_TRUE(index.top_k(query, 1, 0, {std::nullopt})[0].empty());
}

TEST(EmbeddingIndex, FileRoundTripAndCorruption) {
  const std::string dir = testing::temp_dir() + "/embedding-index";
  std::filesystem::create_directories(dir);
  EmbeddingRows corpus = unit_rows(50, 8, 3);
  corpus.missing[0] = "molecule has no atoms";
  const EmbeddingIndex index = EmbeddingIndex::from_rows(corpus);
  index.save(dir + "/gnn.emb");
  const EmbeddingIndex loaded = EmbeddingIndex::load(dir + "/gnn.emb");
  EXPECT_EQ(loaded.size(), 50u);
  EXPECT_EQ(loaded.searchable_size(), 49u);
  EXPECT_EQ(loaded.vector(0), nullptr);
  for (std::uint32_t r = 1; r < 50; ++r) EXPECT_EQ(std::memcmp(loaded.vector(r), corpus.row(r), 8 * sizeof(float)), 0);

  std::string bytes = read_file(dir + "/gnn.emb");
  bytes[100] ^= 1;
  testing::write_text(dir + "/flipped.emb", bytes);
  EXPECT_THROW(EmbeddingIndex::load(dir + "/flipped.emb"), InputError);
  testing::write_text(dir + "/short.emb", bytes.substr(0, bytes.size() - 5));
  EXPECT_THROW(EmbeddingIndex::load(dir + "/short.emb"), InputError);
  EXPECT_THROW(EmbeddingIndex::load(dir + "/absent.emb"), InputError);
}

}  // namespace
}  // namespace icma::retrieval
