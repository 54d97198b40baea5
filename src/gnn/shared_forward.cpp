#include "shared_forward.hpp"

#include "colour_refinement.hpp"

namespace icma::gnn::detail {
namespace {

torch::Tensor long_tensor(const std::vector<std::int64_t>& values) {
  return torch::from_blob(const_cast<std::int64_t*>(values.data()), {static_cast<std::int64_t>(values.size())},
                          torch::kLong)
      .clone();
}

torch::Tensor long_tensor(const std::vector<std::int32_t>& values) {
  return long_tensor(std::vector<std::int64_t>(values.begin(), values.end()));
}

}  // namespace

torch::Tensor forward_with_shared_work(GinEncoderImpl& encoder, const std::vector<const chem::MolGraph*>& graphs) {
  const BatchTopology topology = make_topology(graphs);
  Colouring colouring = initial_colouring(topology);
  std::vector<std::int64_t> codes;
  for (std::int32_t node : colouring.representative) codes.push_back(topology.atom_code[node]);
  const torch::Tensor code = long_tensor(codes);
  // One row per colour of the current layer.
  torch::Tensor rows = encoder.x_embedding1(code.div(3, "floor")) + encoder.x_embedding2(code.remainder(3));
  torch::Tensor nodes;
  const std::int64_t layers = encoder.config().num_layers;
  for (std::int64_t l = 0; l < layers; ++l) {
    auto& conv = *encoder.gnns[static_cast<std::size_t>(l)]->as<GinConvImpl>();
    auto& norm = *encoder.batch_norms[static_cast<std::size_t>(l)]->as<torch::nn::BatchNorm1dImpl>();
    Colouring next = refine(topology, colouring);
    // Messages into each new colour's representative: its incoming edges, then its self-loop.
    std::vector<std::int64_t> target, source, bond_type, bond_dir;
    for (std::size_t c = 0; c < next.colours(); ++c) {
      const std::int32_t node = next.representative[c];
      for (std::int32_t e = topology.in_begin[node]; e < topology.in_begin[node + 1]; ++e) {
        target.push_back(static_cast<std::int64_t>(c));
        source.push_back(colouring.colour[topology.in_source[e]]);
        bond_type.push_back(topology.in_code[e] / 3);
        bond_dir.push_back(topology.in_code[e] % 3);
      }
      target.push_back(static_cast<std::int64_t>(c));
      source.push_back(colouring.colour[node]);
      bond_type.push_back(chem::kSelfLoopBondType);
      bond_dir.push_back(0);
    }
    const torch::Tensor messages = rows.index_select(0, long_tensor(source)) +
                                   conv.edge_embedding1(long_tensor(bond_type)) +
                                   conv.edge_embedding2(long_tensor(bond_dir));
    const torch::Tensor summed =
        torch::zeros({static_cast<std::int64_t>(next.colours()), rows.size(1)}, rows.options())
            .index_add(0, long_tensor(target), messages);
    const torch::Tensor mapped = conv.mlp->forward(summed);
    // Batch norm over the nodes, as the plain forward does.
    nodes = norm.forward(mapped.index_select(0, long_tensor(next.colour)));
    if (l + 1 < layers) nodes = torch::relu(nodes);
    rows = nodes.index_select(0, long_tensor(next.representative));
    colouring = std::move(next);
  }
  return nodes;
}

}  // namespace icma::gnn::detail
