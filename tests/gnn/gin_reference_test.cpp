// The GIN against the reference written in python3-torch from the published
// architecture (fixture: tests/reference/gin_reference.py): the same
// random weights, read from the torch.save file, give the same embeddings
// to 1e-5 on 200 ChEBI-20 molecules and a dozen edge cases, through both
// the straightforward module and the fast inference path.

#include <gtest/gtest.h>

#include "gnn_test_support.hpp"
#include "icma/gnn/gin_inference.hpp"
#include "icma/gnn/gin_weights.hpp"

namespace icma::gnn {
namespace {

constexpr double kTolerance = 1e-5;

class GinReference : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fixture_ = new nlohmann::json(testing::load_json(testing::fixture_path("gin_reference.json")));
    graphs_ = new std::vector<chem::MolGraph>(testing::graphs_of((*fixture_)["smiles"].get<std::vector<std::string>>()));
  }
  static void TearDownTestSuite() {
    delete fixture_;
    delete graphs_;
  }
  static void expect_reference(const torch::Tensor& embeddings, const std::string& path) {
    const auto& expected = (*fixture_)["embeddings"];
    ASSERT_EQ(embeddings.size(0), static_cast<std::int64_t>(expected.size()));
    double worst = 0.0;
    for (std::int64_t i = 0; i < embeddings.size(0); ++i) {
      for (std::int64_t k = 0; k < embeddings.size(1); ++k) {
        const double difference = std::abs(embeddings[i][k].item<double>() - expected[i][k].get<double>());
        worst = std::max(worst, difference);
        ASSERT_LE(difference, kTolerance) << path << ": molecule " << i << " (" << (*fixture_)["smiles"][i]
                                          << ") dimension " << k;
      }
    }
    RecordProperty(path + "_max_abs_difference", std::to_string(worst));
  }
  static nlohmann::json* fixture_;
  static std::vector<chem::MolGraph>* graphs_;
};
nlohmann::json* GinReference::fixture_ = nullptr;
std::vector<chem::MolGraph>* GinReference::graphs_ = nullptr;

TEST_F(GinReference, TheTorchSaveWeightsLoadWithTheirShape) {
  const LoadedGin loaded = load_gin(testing::fixture_path("gin_reference.pth"));
  EXPECT_EQ(loaded.prefix, "");
  EXPECT_EQ(loaded.ignored_keys, 0u);
  EXPECT_EQ(loaded.encoder->config().num_layers, (*fixture_)["num_layers"].get<std::int64_t>());
  EXPECT_EQ(loaded.encoder->config().emb_dim, (*fixture_)["emb_dim"].get<std::int64_t>());
  EXPECT_FALSE(loaded.encoder->is_training());
}

TEST_F(GinReference, ModuleMatches) {
  LoadedGin loaded = load_gin(testing::fixture_path("gin_reference.pth"));
  torch::NoGradGuard no_grad;
  expect_reference(loaded.encoder->embed(make_batch(testing::pointers(*graphs_))), "module");
}

TEST_F(GinReference, FastPathMatchesWithAndWithoutOneDnn) {
  const LoadedGin loaded = load_gin(testing::fixture_path("gin_reference.pth"));
  expect_reference(GinInference(*loaded.encoder, true).embed(testing::pointers(*graphs_)), "onednn");
  expect_reference(GinInference(*loaded.encoder, false).embed(testing::pointers(*graphs_)), "dense");
}

TEST_F(GinReference, BatchingDoesNotChangeAMoleculesVector) {
  const LoadedGin loaded = load_gin(testing::fixture_path("gin_reference.pth"));
  const GinInference fast(*loaded.encoder);
  const torch::Tensor together = fast.embed(testing::pointers(*graphs_));
  for (std::size_t i : {0ul, 7ul, 150ul, graphs_->size() - 1}) {
    const torch::Tensor alone = fast.embed({&(*graphs_)[i]});
    EXPECT_TRUE(torch::allclose(alone[0], together[static_cast<std::int64_t>(i)], 1e-5, 1e-6)) << "molecule " << i;
  }
}

}  // namespace
}  // namespace icma::gnn
