#include "icma/gnn/gin.hpp"

#include <torch/nn/functional/dropout.h>
#include <torch/nn/init.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/linear.h>

#include <string>

#include "icma/core/error.hpp"

namespace icma::gnn {

GinConvImpl::GinConvImpl(std::int64_t emb_dim) {
  // Registration order fixes named_parameters' order; names are what count.
  mlp = register_module("mlp", torch::nn::Sequential(torch::nn::Linear(emb_dim, 2 * emb_dim), torch::nn::ReLU(),
                                                     torch::nn::Linear(2 * emb_dim, emb_dim)));
  edge_embedding1 = register_module("edge_embedding1", torch::nn::Embedding(kBondTypeEmbeddings, emb_dim));
  edge_embedding2 = register_module("edge_embedding2", torch::nn::Embedding(kBondDirEmbeddings, emb_dim));
  torch::nn::init::xavier_uniform_(edge_embedding1->weight);
  torch::nn::init::xavier_uniform_(edge_embedding2->weight);
}

torch::Tensor GinConvImpl::forward(const torch::Tensor& x, const torch::Tensor& edge_index,
                                   const torch::Tensor& edge_attr) {
  const torch::Tensor edge = edge_embedding1(edge_attr.select(1, 0)) + edge_embedding2(edge_attr.select(1, 1));
  const torch::Tensor messages = x.index_select(0, edge_index[0]) + edge;
  const torch::Tensor summed = torch::zeros_like(x).index_add_(0, edge_index[1], messages);
  return mlp->forward(summed);
}

GinEncoderImpl::GinEncoderImpl(const GinConfig& config) : config_(config) {
  if (config.num_layers < 1) throw InputError("a GIN needs at least one layer");
  if (config.emb_dim < 1) throw InputError("a GIN needs a positive embedding size");
  x_embedding1 = register_module("x_embedding1", torch::nn::Embedding(kAtomEmbeddings, config.emb_dim));
  x_embedding2 = register_module("x_embedding2", torch::nn::Embedding(kChiralityEmbeddings, config.emb_dim));
  torch::nn::init::xavier_uniform_(x_embedding1->weight);
  torch::nn::init::xavier_uniform_(x_embedding2->weight);
  gnns = register_module("gnns", torch::nn::ModuleList());
  batch_norms = register_module("batch_norms", torch::nn::ModuleList());
  for (std::int64_t layer = 0; layer < config.num_layers; ++layer) {
    gnns->push_back(GinConv(config.emb_dim));
    batch_norms->push_back(torch::nn::BatchNorm1d(config.emb_dim));
  }
}

torch::Tensor GinEncoderImpl::forward(const GraphBatch& batch) {
  const std::int64_t nodes = batch.x.size(0);
  // The self-loops every GINConv adds, appended once for all layers.
  const torch::Tensor loops = torch::arange(nodes, torch::kLong);
  const torch::Tensor edge_index = torch::cat({batch.edge_index, torch::stack({loops, loops})}, 1);
  torch::Tensor loop_attr = torch::zeros({nodes, 2}, torch::kLong);
  loop_attr.select(1, 0).fill_(chem::kSelfLoopBondType);
  const torch::Tensor edge_attr = torch::cat({batch.edge_attr, loop_attr}, 0);

  torch::Tensor h = x_embedding1(batch.x.select(1, 0)) + x_embedding2(batch.x.select(1, 1));
  for (std::int64_t layer = 0; layer < config_.num_layers; ++layer) {
    h = gnns[layer]->as<GinConvImpl>()->forward(h, edge_index, edge_attr);
    h = batch_norms[layer]->as<torch::nn::BatchNorm1dImpl>()->forward(h);
    if (layer + 1 < config_.num_layers) h = torch::relu(h);
    h = torch::nn::functional::dropout(h, torch::nn::functional::DropoutFuncOptions().p(config_.dropout).training(is_training()));
  }
  return h;
}

torch::Tensor GinEncoderImpl::embed(const GraphBatch& batch) {
  return mean_pool(forward(batch), batch.graph_of_node, batch.num_graphs);
}

torch::Tensor mean_pool(const torch::Tensor& node_values, const torch::Tensor& graph_of_node, std::int64_t num_graphs) {
  const torch::Tensor sums =
      torch::zeros({num_graphs, node_values.size(1)}, node_values.options()).index_add_(0, graph_of_node, node_values);
  const torch::Tensor counts =
      torch::zeros({num_graphs}, node_values.options()).index_add_(0, graph_of_node, torch::ones_like(graph_of_node, node_values.options()));
  return sums / counts.unsqueeze(1);
}

}  // namespace icma::gnn
