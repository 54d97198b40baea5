#pragma once
// Private to the gnn module: the masked copies of a batch of graphs that one
// attribute-masking step trains on (see include/icma/gnn/pretrain.hpp).

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "icma/chem/graph_features.hpp"
#include "icma/gnn/graph_batch.hpp"

namespace icma::gnn::detail {

struct MaskedBatch {
  std::vector<chem::MolGraph> graphs;  // the corrupted graphs
  GraphBatch batch;         // the same, batched
  torch::Tensor atom_node;  // [M] batch node index of each scored masked atom
  torch::Tensor atom_label; // [M] its true atom type (0..118)
  torch::Tensor bond_ends;  // [2, B] batch node indices of each scored masked bond
  torch::Tensor bond_label; // [B] its true bond type (0..3)
};

// graphs[i] is masked with the random stream Rng::for_stream(seed, streams[i]).
MaskedBatch mask_batch(const std::vector<const chem::MolGraph*>& graphs, const std::vector<std::uint64_t>& streams,
                       std::uint64_t seed, double mask_rate, bool mask_edges);

}  // namespace icma::gnn::detail
