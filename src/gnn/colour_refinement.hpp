#pragma once
// Private to the gnn module: Weisfeiler-Lehman colour refinement over a
// batch of molecular graphs, for GinInference. Two nodes get the same
// colour after l rounds exactly when their l-hop neighbourhoods, with atom
// and bond features, are indistinguishable to l rounds of GIN message
// passing; so they have equal layer-l representations.

#include <cstdint>
#include <vector>

#include "icma/chem/graph_features.hpp"

namespace icma::gnn::detail {

// The batch as incoming-edge lists (CSR by target node, in edge order).
struct BatchTopology {
  std::vector<std::int32_t> in_begin;       // [nodes + 1]
  std::vector<std::int32_t> in_source;      // [edges]
  std::vector<std::uint8_t> in_code;        // [edges] bond type * 3 + direction
  std::vector<std::int32_t> graph_of_node;  // [nodes]
  std::vector<std::int32_t> atom_code;      // [nodes] atom type * 3 + model chirality
  std::vector<std::int32_t> nodes_in_graph; // [graphs]

  std::size_t nodes() const { return atom_code.size(); }
};

// Throws icma::InputError for a graph without atoms.
BatchTopology make_topology(const std::vector<const chem::MolGraph*>& graphs);

struct Colouring {
  std::vector<std::int32_t> colour;          // [nodes] 0 .. colours-1
  std::vector<std::int32_t> representative;  // [colours] the first node of each colour
  std::size_t colours() const { return representative.size(); }
};

// Round 0: colour = atom code.
Colouring initial_colouring(const BatchTopology& topology);
// One round: a node's new colour is its old one together with the multiset
// of (bond code, old colour) over its incoming edges.
Colouring refine(const BatchTopology& topology, const Colouring& previous);

}  // namespace icma::gnn::detail
