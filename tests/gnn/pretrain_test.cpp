// Attribute-masking pre-training on a tiny run: the loss goes down, a seed
// gives the same weights twice, epochs 0 writes the seeded initialisation,
// masks follow pretrain-gnns' rule, the optional contrastive term trains,
// and the shared-work training forward equals the plain one.

#include <gtest/gtest.h>

#include <filesystem>

#include "../../src/gnn/attribute_masking.hpp"
#include "../../src/gnn/shared_forward.hpp"
#include "gnn_test_support.hpp"
#include "icma/core/error.hpp"
#include "icma/gnn/gin_weights.hpp"
#include "icma/gnn/pretrain.hpp"
#include "icma/weights/tensor_file.hpp"

namespace icma::gnn {
namespace {

class Pretrain : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { graphs_ = new std::vector<chem::MolGraph>(testing::graphs_of(testing::chebi20_test_smiles(48))); }
  static void TearDownTestSuite() { delete graphs_; }
  void SetUp() override {
    dir_ = testing::temp_dir() + "/pretrain-" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::create_directories(dir_);
  }
  PretrainOptions tiny(const std::string& name) const {
    PretrainOptions options;
    options.config = GinConfig{2, 32, 0.0};
    options.epochs = 6;
    options.batch_size = 16;
    options.learning_rate = 3e-3;
    options.out = dir_ + "/" + name;
    options.progress = false;
    return options;
  }
  static std::vector<chem::MolGraph>* graphs_;
  std::string dir_;
};
std::vector<chem::MolGraph>* Pretrain::graphs_ = nullptr;

TEST_F(Pretrain, LossDecreases) {
  const auto history = pretrain_attribute_masking(*graphs_, tiny("a.safetensors"));
  ASSERT_EQ(history.size(), 6u);
  EXPECT_LT(history.back().loss, 0.7 * history.front().loss);
  EXPECT_GT(history.back().atom_accuracy, 0.5);  // carbon alone is most of ChEBI's atoms
}

TEST_F(Pretrain, TheSameSeedGivesTheSameWeights) {
  PretrainOptions options = tiny("a.safetensors");
  options.epochs = 2;
  options.mask_edges = true;
  pretrain_attribute_masking(*graphs_, options);
  options.out = dir_ + "/b.safetensors";
  pretrain_attribute_masking(*graphs_, options);
  options.out = dir_ + "/c.safetensors";
  options.seed = 43;
  pretrain_attribute_masking(*graphs_, options);
  const auto a = weights::read_safetensors(dir_ + "/a.safetensors");
  const auto b = weights::read_safetensors(dir_ + "/b.safetensors");
  const auto c = weights::read_safetensors(dir_ + "/c.safetensors");
  ASSERT_EQ(a.size(), b.size());
  bool any_different = false;
  for (const auto& [name, tensor] : a) {
    EXPECT_TRUE(torch::equal(tensor, b.at(name))) << name;
    any_different = any_different || !torch::equal(tensor, c.at(name));
  }
  EXPECT_TRUE(any_different);
  EXPECT_EQ(load_gin(dir_ + "/a.safetensors").encoder->config().num_layers, 2);
}

TEST_F(Pretrain, TheContrastiveTermTrainsAndIsReproducible) {
  PretrainOptions options = tiny("a.safetensors");
  options.epochs = 4;
  options.contrastive_weight = 1.0;
  const auto first = pretrain_attribute_masking(*graphs_, options);
  options.out = dir_ + "/b.safetensors";
  const auto second = pretrain_attribute_masking(*graphs_, options);
  ASSERT_EQ(first.size(), 4u);
  EXPECT_LT(first.back().loss, first.front().loss);
  for (std::size_t e = 0; e < first.size(); ++e) EXPECT_EQ(first[e].loss, second[e].loss) << "epoch " << e + 1;
  // Two maskings of a molecule cost more loss than one: the term is there.
  options.contrastive_weight = 0.0;
  options.out = dir_ + "/c.safetensors";
  EXPECT_GT(first.front().loss, pretrain_attribute_masking(*graphs_, options).front().loss);
}

TEST_F(Pretrain, ZeroEpochsWritesTheSeededInitialisation) {
  PretrainOptions options = tiny("init.safetensors");
  options.epochs = 0;
  EXPECT_TRUE(pretrain_attribute_masking({}, options).empty());
  torch::manual_seed(options.seed);
  GinEncoder expected(options.config);
  const LoadedGin loaded = load_gin(options.out);
  EXPECT_TRUE(torch::equal(loaded.encoder->x_embedding1->weight, expected->x_embedding1->weight));
}

TEST_F(Pretrain, BadOptionsAreInputErrors) {
  PretrainOptions options = tiny("x.safetensors");
  options.mask_rate = 1.5;
  EXPECT_THROW(pretrain_attribute_masking(*graphs_, options), InputError);
  options = tiny("x.safetensors");
  options.contrastive_weight = -1.0;
  EXPECT_THROW(pretrain_attribute_masking(*graphs_, options), InputError);
  options = tiny("x.safetensors");
  EXPECT_THROW(pretrain_attribute_masking({}, options), InputError);
  EXPECT_THROW(pretrain_attribute_masking(testing::graphs_of({""}), options), InputError);
}

TEST(AttributeMasking, MasksIntOfFifteenPercentPlusOneAtomsAndTheirBonds) {
  const auto graphs = testing::graphs_of({"CCCCCCCCCCCCCCCCCCCC", "C", "*C"});  // 20 atoms: int(3 + 1) = 4 masked
  const auto masked = detail::mask_batch(testing::pointers(graphs), {0, 1, 2}, 99, 0.15, true);
  const auto x = masked.batch.x;
  // 4 + 1 + 1 atoms masked; the dummy atom of "*C" reads as unknown anyway.
  // Scored: every masked atom but a masked dummy (it has no class).
  const std::int64_t unknown = x.select(1, 0).eq(chem::kUnknownAtomType).sum().item<std::int64_t>();
  EXPECT_EQ(unknown, masked.atom_label.size(0) + 1);
  EXPECT_GE(masked.atom_label.size(0), 5);
  EXPECT_LE(masked.atom_label.size(0), 6);
  EXPECT_TRUE(masked.atom_label.lt(chem::kNumAtomTypes).all().item<bool>());
  // Bonds at masked atoms carry the mask token in both directions.
  const auto attr = masked.batch.edge_attr;
  EXPECT_GE(attr.select(1, 0).eq(chem::kUnknownBondType).sum().item<std::int64_t>(), 2 * masked.bond_label.size(0));
  EXPECT_EQ(masked.bond_ends.size(1), masked.bond_label.size(0));
}

}  // namespace
}  // namespace icma::gnn

namespace icma::gnn {
namespace {

// The training forward that shares work between equal nodes gives the plain
// forward's node representations, gradients and batch-norm statistics.
TEST(SharedForward, EqualsThePlainForwardWithGradients) {
  std::vector<std::string> smiles = testing::chebi20_test_smiles(40);
  smiles.insert(smiles.end(), {"C", "[Na+].[Cl-]", "*C(=O)O", "N->[Pt]"});
  const auto graphs = testing::graphs_of(smiles);
  const auto masked = detail::mask_batch(testing::pointers(graphs), std::vector<std::uint64_t>(graphs.size(), 3), 5,
                                         0.15, true);
  std::vector<const chem::MolGraph*> corrupted;
  for (const auto& graph : masked.graphs) corrupted.push_back(&graph);

  const auto run = [&](bool shared) {
    torch::manual_seed(9);
    GinEncoder encoder(GinConfig{3, 40, 0.0});
    encoder->train();
    const torch::Tensor nodes =
        shared ? detail::forward_with_shared_work(*encoder, corrupted) : encoder->forward(masked.batch);
    (nodes.index_select(0, masked.atom_node) * torch::linspace(-1, 1, 40)).sum().backward();
    std::vector<torch::Tensor> out = {nodes.detach()};
    for (const auto& p : encoder->parameters()) out.push_back(p.grad().clone());
    for (const auto& b : encoder->buffers()) out.push_back(b.clone().to(torch::kDouble));
    return out;
  };
  const auto plain = run(false);
  const auto shared = run(true);
  ASSERT_EQ(plain.size(), shared.size());
  // Float sums in another order: compared relative to the largest gradient,
  // since some (the bias before each batch norm) are exactly zero in theory
  // and rounding noise in practice.
  double scale = 1.0;
  for (const auto& tensor : plain) scale = std::max(scale, tensor.abs().max().item<double>());
  for (std::size_t i = 0; i < plain.size(); ++i) {
    EXPECT_LE((plain[i] - shared[i]).abs().max().item<double>(), 1e-5 * scale) << "tensor " << i;
  }
}

}  // namespace
}  // namespace icma::gnn
