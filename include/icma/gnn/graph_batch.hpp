#pragma once
// Many small molecular graphs as one disconnected graph, the way
// torch_geometric's Batch does it: nodes concatenated, each graph's edge
// indices offset by the nodes before it, and a node -> graph map for pooling.

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "icma/chem/graph_features.hpp"

namespace icma::gnn {

struct GraphBatch {
  torch::Tensor x;              // [N, 2] int64: atom type, chirality (0..2)
  torch::Tensor edge_index;     // [2, E] int64: row 0 source, row 1 target
  torch::Tensor edge_attr;      // [E, 2] int64: bond type, bond direction
  torch::Tensor graph_of_node;  // [N] int64
  std::int64_t num_graphs = 0;
};

// The published model has 3 chirality embeddings (x_embedding2 is 3 x emb)
// although the feature list has 4 entries; pretrain-gnns fails with an
// IndexError on CHI_OTHER (3). We read 3 as CHI_UNSPECIFIED (0).
inline std::int64_t model_chirality(std::int64_t chirality) { return chirality >= 3 ? 0 : chirality; }

// Throws icma::InputError when a graph has no atoms: mean pooling over no
// nodes has no value (callers filter those out first, see gnn::Embedder).
GraphBatch make_batch(const std::vector<const chem::MolGraph*>& graphs);

}  // namespace icma::gnn
