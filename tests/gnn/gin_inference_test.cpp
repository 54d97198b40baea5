// The fast inference path (colour refinement, folded batch norm, last
// Linear after pooling, oneDNN) against the module at the published width,
// 300, on ChEBI-20 molecules and edge cases; and what it refuses.

#include <gtest/gtest.h>

#include "../../src/gnn/colour_refinement.hpp"
#include "gnn_test_support.hpp"
#include "icma/core/error.hpp"
#include "icma/gnn/gin_inference.hpp"

namespace icma::gnn {
namespace {

TEST(GinInference, EqualsTheModuleAtWidth300) {
  std::vector<std::string> smiles = testing::chebi20_test_smiles(120);
  for (const char* edge : {"C", "[Na+].[Cl-]", "*C(=O)O", "N->[Pt]", "F[Pt@SP1](Cl)(Br)I", "[H][H]"}) smiles.push_back(edge);
  const auto graphs = testing::graphs_of(smiles);
  GinEncoder encoder = testing::realistic_gin(GinConfig{}, graphs);
  torch::NoGradGuard no_grad;
  const torch::Tensor expected = encoder->embed(make_batch(testing::pointers(graphs)));
  for (const bool onednn : {true, false}) {
    const torch::Tensor fast = GinInference(*encoder, onednn).embed(testing::pointers(graphs));
    const double worst = (fast - expected).abs().max().item<double>();
    EXPECT_LT(worst, 1e-4 * std::max(1.0, expected.abs().max().item<double>())) << "onednn " << onednn;
  }
}

TEST(GinInference, RefusesAGraphWithoutAtoms) {
  const auto graphs = testing::graphs_of({"CC", ""});
  torch::manual_seed(1);
  GinEncoder encoder(GinConfig{2, 8, 0.0});
  encoder->eval();
  EXPECT_THROW(GinInference(*encoder).embed(testing::pointers(graphs)), InputError);
  EXPECT_THROW(make_batch(testing::pointers(graphs)), InputError);
}

TEST(ColourRefinement, SymmetricAtomsShareAColour) {
  const auto graphs = testing::graphs_of({"CCC", "c1ccccc1"});
  const auto topology = detail::make_topology(testing::pointers(graphs));
  auto colouring = detail::initial_colouring(topology);
  EXPECT_EQ(colouring.colours(), 1u);  // aliphatic and aromatic carbon are both carbon
  colouring = detail::refine(topology, colouring);
  // Propane's ends, propane's middle, benzene's carbons.
  EXPECT_EQ(colouring.colours(), 3u);
  EXPECT_EQ(colouring.colour[0], colouring.colour[2]);
  EXPECT_NE(colouring.colour[0], colouring.colour[1]);
  for (int n = 3; n < 9; ++n) EXPECT_EQ(colouring.colour[n], colouring.colour[3]);
}

}  // namespace
}  // namespace icma::gnn
