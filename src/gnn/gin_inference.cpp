#include "icma/gnn/gin_inference.hpp"

#include <ATen/Parallel.h>
#include <ATen/ops/mkldnn_linear.h>

#include <algorithm>
#include <cstring>

#include "colour_refinement.hpp"

namespace icma::gnn {
namespace {

constexpr std::int64_t kEdgeCodes = kBondTypeEmbeddings * kBondDirEmbeddings;
constexpr std::int64_t kSelfLoopCode = chem::kSelfLoopBondType * kBondDirEmbeddings;  // direction 0

// Row blocks of the oneDNN path (see the header).
constexpr std::int64_t kLargeBlock = 4096;
constexpr std::int64_t kSmallBlock = 512;

torch::Tensor detached(const torch::Tensor& tensor) { return tensor.detach().to(torch::kFloat).contiguous().clone(); }

}  // namespace

GinInference::GinInference(const GinEncoderImpl& encoder, bool use_onednn)
    : emb_dim_(encoder.config().emb_dim), onednn_(use_onednn && at::hasMKLDNN()) {
  torch::NoGradGuard no_grad;
  const torch::Tensor atoms = detached(encoder.x_embedding1->weight);
  const torch::Tensor chirality = detached(encoder.x_embedding2->weight);
  atom_table_ = (atoms.unsqueeze(1) + chirality.unsqueeze(0)).reshape({-1, emb_dim_}).contiguous();
  for (std::int64_t l = 0; l < encoder.config().num_layers; ++l) {
    const auto& conv = *encoder.gnns->ptr(static_cast<std::size_t>(l))->as<GinConvImpl>();
    const auto& norm = *encoder.batch_norms->ptr(static_cast<std::size_t>(l))->as<torch::nn::BatchNorm1dImpl>();
    const auto& linear1 = *conv.mlp->ptr(0)->as<torch::nn::LinearImpl>();
    const auto& linear2 = *conv.mlp->ptr(2)->as<torch::nn::LinearImpl>();
    Layer layer;
    layer.edge_table = (detached(conv.edge_embedding1->weight).unsqueeze(1) +
                        detached(conv.edge_embedding2->weight).unsqueeze(0))
                           .reshape({kEdgeCodes, emb_dim_})
                           .contiguous();
    layer.w1 = detached(linear1.weight);
    layer.b1 = detached(linear1.bias);
    // Eval-mode batch norm: (y - mean) / sqrt(var + eps) * gamma + beta.
    const torch::Tensor scale =
        detached(norm.weight) / torch::sqrt(detached(norm.running_var) + norm.options.eps());
    const torch::Tensor shift = detached(norm.bias) - detached(norm.running_mean) * scale;
    layer.w2 = (detached(linear2.weight) * scale.unsqueeze(1)).contiguous();
    layer.b2 = (detached(linear2.bias) * scale + shift).contiguous();
    if (onednn_) {
      layer.w1_onednn = layer.w1.to_mkldnn();
      layer.w2_onednn = layer.w2.to_mkldnn();
    }
    layers_.push_back(std::move(layer));
  }
}

torch::Tensor GinInference::mlp(const Layer& layer, const torch::Tensor& summed, bool hidden_only) const {
  if (!onednn_) {
    const torch::Tensor hidden = torch::linear(summed, layer.w1, layer.b1).relu_();
    return hidden_only ? hidden : torch::linear(hidden, layer.w2, layer.b2).relu_();
  }
  const std::int64_t rows = summed.size(0);
  const std::int64_t width = hidden_only ? layer.w1.size(0) : layer.w2.size(0);
  torch::Tensor out = torch::empty({rows, width});
  for (std::int64_t first = 0; first < rows;) {
    const std::int64_t block = rows - first >= kLargeBlock ? kLargeBlock : kSmallBlock;
    const std::int64_t used = std::min(block, rows - first);
    torch::Tensor input = summed.narrow(0, first, used);
    if (used < block) input = torch::cat({input, torch::zeros({block - used, summed.size(1)})});
    torch::Tensor h = at::mkldnn_linear(input.to_mkldnn(), layer.w1_onednn, layer.b1).relu_();
    if (!hidden_only) h = at::mkldnn_linear(h, layer.w2_onednn, layer.b2);
    out.narrow(0, first, used).copy_(h.to_dense().narrow(0, 0, used));
    first += used;
  }
  return hidden_only ? out : out.relu_();
}

torch::Tensor GinInference::embed(const std::vector<const chem::MolGraph*>& graphs) const {
  torch::NoGradGuard no_grad;
  const detail::BatchTopology topology = detail::make_topology(graphs);
  const std::int64_t dim = emb_dim_;
  detail::Colouring colouring = detail::initial_colouring(topology);

  // One row per colour: the representations of the current layer.
  torch::Tensor colour_rows = torch::empty({static_cast<std::int64_t>(colouring.colours()), dim});
  for (std::size_t c = 0; c < colouring.colours(); ++c) {
    colour_rows[static_cast<std::int64_t>(c)].copy_(atom_table_[topology.atom_code[colouring.representative[c]]]);
  }

  torch::Tensor pooled_hidden;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Layer& layer = layers_[l];
    detail::Colouring next = detail::refine(topology, colouring);
    const auto colours = static_cast<std::int64_t>(next.colours());
    // Sum of messages h_j + edge at each new colour's representative node,
    // in the order the reference adds them: edges, then the self-loop.
    torch::Tensor summed = torch::zeros({colours, dim});
    {
      const float* rows = colour_rows.data_ptr<float>();
      const float* edges = layer.edge_table.data_ptr<float>();
      float* out = summed.data_ptr<float>();
      at::parallel_for(0, colours, 64, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t c = begin; c < end; ++c) {
          const std::int32_t node = next.representative[static_cast<std::size_t>(c)];
          float* sum = out + c * dim;
          const auto add_message = [&](std::int32_t source, std::int64_t code) {
            const float* h = rows + static_cast<std::int64_t>(colouring.colour[source]) * dim;
            const float* e = edges + code * dim;
            for (std::int64_t k = 0; k < dim; ++k) sum[k] += h[k] + e[k];
          };
          for (std::int32_t e = topology.in_begin[node]; e < topology.in_begin[node + 1]; ++e) {
            add_message(topology.in_source[e], topology.in_code[e]);
          }
          add_message(node, kSelfLoopCode);
        }
      });
    }
    const bool last = l + 1 == layers_.size();
    torch::Tensor hidden = mlp(layer, summed, last);
    colouring = std::move(next);
    if (!last) {
      colour_rows = hidden.contiguous();
      continue;
    }
    // Last layer: mean of the nodes' hidden vectors per molecule, then the
    // (affine) second Linear and batch norm once per molecule.
    const torch::Tensor dense = hidden.contiguous();
    const std::int64_t width = dense.size(1);
    pooled_hidden = torch::zeros({static_cast<std::int64_t>(graphs.size()), width});
    const float* in = dense.data_ptr<float>();
    float* pooled = pooled_hidden.data_ptr<float>();
    std::vector<std::int64_t> first_node(graphs.size() + 1, 0);
    for (std::size_t g = 0; g < graphs.size(); ++g) first_node[g + 1] = first_node[g] + topology.nodes_in_graph[g];
    at::parallel_for(0, static_cast<std::int64_t>(graphs.size()), 16, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t g = begin; g < end; ++g) {
        float* sum = pooled + g * width;
        for (std::int64_t n = first_node[g]; n < first_node[g + 1]; ++n) {
          const float* h = in + static_cast<std::int64_t>(colouring.colour[n]) * width;
          for (std::int64_t k = 0; k < width; ++k) sum[k] += h[k];
        }
        const float count = static_cast<float>(first_node[g + 1] - first_node[g]);
        for (std::int64_t k = 0; k < width; ++k) sum[k] /= count;
      }
    });
  }
  return torch::linear(pooled_hidden, layers_.back().w2, layers_.back().b2);
}

}  // namespace icma::gnn
