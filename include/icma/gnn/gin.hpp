#pragma once
// The GIN molecule encoder of pretrain-gnns and Mole-BERT (model.py's GNN
// with gnn_type "gin", JK "last", and GNN_graphpred's mean pooling), as a
// LibTorch module whose parameter and buffer names are theirs, so that their
// state dicts load key for key:
//
//   x_embedding1.weight                     [120, emb]  atom type (119 = mask)
//   x_embedding2.weight                     [3, emb]    chirality
//   gnns.{i}.edge_embedding1.weight         [6, emb]    bond type (4 self-loop, 5 mask)
//   gnns.{i}.edge_embedding2.weight         [3, emb]    bond direction
//   gnns.{i}.mlp.0.{weight,bias}            Linear(emb, 2 emb)
//   gnns.{i}.mlp.2.{weight,bias}            Linear(2 emb, emb)      (mlp.1 is the ReLU)
//   batch_norms.{i}.{weight,bias,running_mean,running_var,num_batches_tracked}
//
// Layer i: add a self-loop to every node (bond type 4, direction 0); each
// edge j -> v carries the message h_j + edge_embedding1[type] +
// edge_embedding2[dir]; messages are summed at v (index_add); the MLP maps
// the sum; batch norm; ReLU on every layer but the last; dropout. The node
// representation is the last layer's output, the molecule's the mean over
// its nodes.
//
// This module is the straightforward formulation, used for training and as
// the reference; gnn::GinInference computes the same embeddings faster.

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

#include "icma/gnn/graph_batch.hpp"

namespace icma::gnn {

constexpr std::int64_t kAtomEmbeddings = 120;      // 119 atom types + mask
constexpr std::int64_t kChiralityEmbeddings = 3;
constexpr std::int64_t kBondTypeEmbeddings = 6;    // 4 bond types + self-loop + mask
constexpr std::int64_t kBondDirEmbeddings = 3;

struct GinConfig {
  std::int64_t num_layers = 5;
  std::int64_t emb_dim = 300;
  double dropout = 0.0;  // pretrain-gnns' default for pre-training
};

class GinConvImpl : public torch::nn::Module {
 public:
  explicit GinConvImpl(std::int64_t emb_dim);
  // x [N, emb]; edge_index [2, E'] and edge_attr [E', 2] already include the
  // self-loops (see GinEncoderImpl::forward).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& edge_index, const torch::Tensor& edge_attr);

  torch::nn::Sequential mlp{nullptr};
  torch::nn::Embedding edge_embedding1{nullptr};
  torch::nn::Embedding edge_embedding2{nullptr};
};
TORCH_MODULE(GinConv);

class GinEncoderImpl : public torch::nn::Module {
 public:
  // Parameters initialised as pretrain-gnns does (torch's defaults, and
  // Xavier-uniform embeddings); seed with torch::manual_seed first.
  explicit GinEncoderImpl(const GinConfig& config);

  // Node representations [N, emb].
  torch::Tensor forward(const GraphBatch& batch);
  // Molecule representations [num_graphs, emb]: the mean over each graph's nodes.
  torch::Tensor embed(const GraphBatch& batch);

  const GinConfig& config() const { return config_; }

  torch::nn::Embedding x_embedding1{nullptr};
  torch::nn::Embedding x_embedding2{nullptr};
  torch::nn::ModuleList gnns{nullptr};
  torch::nn::ModuleList batch_norms{nullptr};

 private:
  GinConfig config_;
};
TORCH_MODULE(GinEncoder);

// Mean of node_values rows per graph: [num_graphs, D].
torch::Tensor mean_pool(const torch::Tensor& node_values, const torch::Tensor& graph_of_node, std::int64_t num_graphs);

}  // namespace icma::gnn
