// SMILES to unit-length GIN embeddings: statuses for what cannot be
// embedded, well-defined vectors for single atoms and ions, and results
// that do not depend on batch size or threads.

#include <gtest/gtest.h>

#include <cmath>

#include "gnn_test_support.hpp"
#include "icma/gnn/embedder.hpp"

namespace icma::gnn {
namespace {

class Embedder : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(11);
    encoder_ = GinEncoder(GinConfig{3, 24, 0.0});
    encoder_->eval();
    model_ = std::make_unique<GinInference>(*encoder_);
  }
  GinEncoder encoder_{nullptr};
  std::unique_ptr<GinInference> model_;
};

TEST_F(Embedder, StatusesAndUnitVectors) {
  const std::vector<std::string> smiles = {"CCO", "C1CC", "", "[Na+].[Cl-]", "C", "not smiles", "*C"};
  const MoleculeEmbeddings out = embed_smiles(*model_, smiles, EmbeddingOptions{});
  ASSERT_EQ(out.size(), smiles.size());
  EXPECT_EQ(out.dim, 24);
  const std::vector<EmbeddingStatus> expected = {EmbeddingStatus::ok, EmbeddingStatus::unparsable,
                                                 EmbeddingStatus::no_atoms, EmbeddingStatus::ok,
                                                 EmbeddingStatus::ok, EmbeddingStatus::unparsable,
                                                 EmbeddingStatus::ok};
  EXPECT_EQ(out.status, expected);
  for (std::size_t i = 0; i < smiles.size(); ++i) {
    double norm = 0.0;
    for (std::int64_t k = 0; k < out.dim; ++k) {
      ASSERT_TRUE(std::isfinite(out.row(i)[k])) << smiles[i];
      norm += static_cast<double>(out.row(i)[k]) * out.row(i)[k];
    }
    EXPECT_NEAR(norm, out.status[i] == EmbeddingStatus::ok ? 1.0 : 0.0, 1e-5) << "'" << smiles[i] << "'";
  }
  EXPECT_STREQ(embedding_status_text(EmbeddingStatus::no_atoms), "molecule has no atoms");
}

TEST_F(Embedder, BatchSizeAndThreadsDoNotMatter) {
  const std::vector<std::string> smiles = testing::chebi20_test_smiles(60);
  EmbeddingOptions one;
  one.batch_size = 1;
  EmbeddingOptions many;
  many.batch_size = 25;
  many.threads = 2;
  const MoleculeEmbeddings a = embed_smiles(*model_, smiles, one);
  const MoleculeEmbeddings b = embed_smiles(*model_, smiles, many);
  ASSERT_EQ(a.values.size(), b.values.size());
  for (std::size_t i = 0; i < a.values.size(); ++i) ASSERT_NEAR(a.values[i], b.values[i], 1e-5) << i;
}

TEST_F(Embedder, WithoutNormalisationTheModuleVectorsComeBack) {
  const std::vector<std::string> smiles = {"CC(=O)O", "c1ccncc1"};
  EmbeddingOptions raw;
  raw.l2_normalise = false;
  const MoleculeEmbeddings out = embed_smiles(*model_, smiles, raw);
  const auto graphs = testing::graphs_of(smiles);
  torch::NoGradGuard no_grad;
  const torch::Tensor expected = encoder_->embed(make_batch(testing::pointers(graphs)));
  for (std::int64_t i = 0; i < 2; ++i) {
    for (std::int64_t k = 0; k < out.dim; ++k) {
      EXPECT_NEAR(out.row(static_cast<std::size_t>(i))[k], expected[i][k].item<float>(), 1e-5);
    }
  }
}

}  // namespace
}  // namespace icma::gnn
