#pragma once
// Private to the gnn module: GinEncoderImpl::forward with shared work, for
// training. As in GinInference, each layer's MLP runs once per
// Weisfeiler-Lehman colour instead of once per node; batch norm still runs
// over the nodes (rows expanded from their colour), so batch statistics,
// running statistics and gradients are those of the plain forward: nodes of
// one colour have equal values, and the gradients they would receive are
// summed into their shared row by index_select's backward, which is what
// the plain forward's MLP backward would add up too.
// Only valid without dropout (dropout masks differ per node).

#include <torch/types.h>

#include <vector>

#include "icma/chem/graph_features.hpp"
#include "icma/gnn/gin.hpp"

namespace icma::gnn::detail {

// Node representations [nodes, emb] of `graphs` (batch order), with autograd.
torch::Tensor forward_with_shared_work(GinEncoderImpl& encoder, const std::vector<const chem::MolGraph*>& graphs);

}  // namespace icma::gnn::detail
