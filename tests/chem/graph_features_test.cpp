// GIN graph features against the featurisation written in python from
// pretrain-gnns' definition (fixture: tests/reference/gin_reference.py),
// and the cases pretrain-gnns itself cannot featurise.

#include "icma/chem/graph_features.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_support.hpp"

namespace icma::chem {
namespace {

MolGraph features_of(const std::string& smiles) {
  const auto molecule = Molecule::from_smiles(smiles);
  if (!molecule) throw std::runtime_error("does not parse: " + smiles);
  return graph_features(*molecule);
}

TEST(GraphFeatures, MatchThePythonReference) {
  const auto fixture = testing::load_json(testing::fixture_path("gin_reference.json"));
  int checked = 0;
  for (const auto& expected : fixture["features"]) {
    const std::string smiles = fixture["smiles"][expected["index"].get<std::size_t>()];
    const MolGraph graph = features_of(smiles);
    ASSERT_EQ(graph.num_atoms(), expected["x"].size()) << smiles;
    for (std::size_t a = 0; a < graph.num_atoms(); ++a) {
      EXPECT_EQ(graph.atom_type[a], expected["x"][a][0].get<std::int64_t>()) << smiles << " atom " << a;
      EXPECT_EQ(graph.chirality[a], expected["x"][a][1].get<std::int64_t>()) << smiles << " atom " << a;
    }
    ASSERT_EQ(graph.num_edges(), expected["edge_index"].size()) << smiles;
    for (std::size_t e = 0; e < graph.num_edges(); ++e) {
      EXPECT_EQ(graph.edge_src[e], expected["edge_index"][e][0].get<std::int64_t>()) << smiles << " edge " << e;
      EXPECT_EQ(graph.edge_dst[e], expected["edge_index"][e][1].get<std::int64_t>()) << smiles << " edge " << e;
      EXPECT_EQ(graph.bond_type[e], expected["edge_attr"][e][0].get<std::int64_t>()) << smiles << " edge " << e;
      EXPECT_EQ(graph.bond_dir[e], expected["edge_attr"][e][1].get<std::int64_t>()) << smiles << " edge " << e;
    }
    ++checked;
  }
  EXPECT_GE(checked, 30);
}

TEST(GraphFeatures, BothDirectionsOfEachBondForwardFirst) {
  const MolGraph graph = features_of("CC=O");
  EXPECT_EQ(graph.atom_type, (std::vector<std::int64_t>{5, 5, 7}));
  EXPECT_EQ(graph.edge_src, (std::vector<std::int64_t>{0, 1, 1, 2}));
  EXPECT_EQ(graph.edge_dst, (std::vector<std::int64_t>{1, 0, 2, 1}));
  EXPECT_EQ(graph.bond_type, (std::vector<std::int64_t>{0, 0, 1, 1}));
}

TEST(GraphFeatures, IonsAndSingleAtomsHaveNodesButNoEdges) {
  const MolGraph salt = features_of("[Na+].[Cl-]");
  EXPECT_EQ(salt.atom_type, (std::vector<std::int64_t>{10, 16}));
  EXPECT_EQ(salt.num_edges(), 0u);
  const MolGraph methane = features_of("C");
  EXPECT_EQ(methane.num_atoms(), 1u);
  EXPECT_EQ(methane.num_edges(), 0u);
}

TEST(GraphFeatures, WhatPretrainGnnsRejectsIsDefined) {
  EXPECT_EQ(features_of("*C").atom_type[0], kUnknownAtomType);             // dummy atom
  EXPECT_EQ(features_of("N->[Pt]").bond_type[0], kUnknownBondType);        // dative bond
  EXPECT_EQ(features_of("F[Pt@SP1](Cl)(Br)I").chirality[1], 3);            // square planar -> other
  const MolGraph stereo = features_of("F/C=C\\F");
  EXPECT_EQ(stereo.bond_dir[0], 1);  // ENDUPRIGHT
  EXPECT_EQ(stereo.bond_dir[4], 2);  // ENDDOWNRIGHT
}

TEST(GraphFeatures, TheEmptyMoleculeIsAnEmptyGraph) {
  const MolGraph empty = features_of("");
  EXPECT_EQ(empty.num_atoms(), 0u);
  EXPECT_EQ(empty.num_edges(), 0u);
}

}  // namespace
}  // namespace icma::chem
