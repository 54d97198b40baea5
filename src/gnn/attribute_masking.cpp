#include "attribute_masking.hpp"

#include <algorithm>
#include <numeric>

#include "icma/core/random.hpp"

namespace icma::gnn::detail {

MaskedBatch mask_batch(const std::vector<const chem::MolGraph*>& graphs, const std::vector<std::uint64_t>& streams,
                       std::uint64_t seed, double mask_rate, bool mask_edges) {
  std::vector<chem::MolGraph> masked(graphs.size());
  std::vector<std::int64_t> atom_node, atom_label, bond_u, bond_v, bond_label;
  std::int64_t offset = 0;
  for (std::size_t g = 0; g < graphs.size(); ++g) {
    const chem::MolGraph& graph = *graphs[g];
    chem::MolGraph& copy = masked[g];
    copy = graph;
    const std::size_t atoms = graph.num_atoms();
    // pretrain-gnns: random.sample(range(num_atoms), int(num_atoms * mask_rate + 1)).
    const std::size_t count = std::min(atoms, static_cast<std::size_t>(static_cast<double>(atoms) * mask_rate + 1.0));
    Rng rng = Rng::for_stream(seed, streams[g]);
    std::vector<std::int64_t> order(atoms);
    std::iota(order.begin(), order.end(), 0);
    std::vector<char> is_masked(atoms, 0);
    for (std::size_t i = 0; i < count; ++i) {
      std::swap(order[i], order[i + static_cast<std::size_t>(rng.below(atoms - i))]);
      const std::int64_t atom = order[i];
      is_masked[static_cast<std::size_t>(atom)] = 1;
      if (graph.atom_type[static_cast<std::size_t>(atom)] < chem::kNumAtomTypes) {
        atom_node.push_back(offset + atom);
        atom_label.push_back(graph.atom_type[static_cast<std::size_t>(atom)]);
      }
      copy.atom_type[static_cast<std::size_t>(atom)] = chem::kUnknownAtomType;
      copy.chirality[static_cast<std::size_t>(atom)] = 0;
    }
    if (mask_edges) {
      for (std::size_t e = 0; e < graph.num_edges(); ++e) {
        const auto src = static_cast<std::size_t>(graph.edge_src[e]);
        const auto dst = static_cast<std::size_t>(graph.edge_dst[e]);
        if (!is_masked[src] && !is_masked[dst]) continue;
        // Edges come in (forward, backward) pairs: score each bond once.
        if (e % 2 == 0 && graph.bond_type[e] < 4) {
          bond_u.push_back(offset + graph.edge_src[e]);
          bond_v.push_back(offset + graph.edge_dst[e]);
          bond_label.push_back(graph.bond_type[e]);
        }
        copy.bond_type[e] = chem::kUnknownBondType;
        copy.bond_dir[e] = 0;
      }
    }
    offset += static_cast<std::int64_t>(atoms);
  }
  std::vector<const chem::MolGraph*> pointers;
  for (const chem::MolGraph& graph : masked) pointers.push_back(&graph);
  MaskedBatch out;
  out.batch = make_batch(pointers);
  out.graphs = std::move(masked);  // moving a vector keeps its elements where they are
  const auto tensor = [](std::vector<std::int64_t>& values) {
    return torch::from_blob(values.data(), {static_cast<std::int64_t>(values.size())}, torch::kLong).clone();
  };
  out.atom_node = tensor(atom_node);
  out.atom_label = tensor(atom_label);
  out.bond_ends = torch::stack({tensor(bond_u), tensor(bond_v)});
  out.bond_label = tensor(bond_label);
  return out;
}

}  // namespace icma::gnn::detail
