#include "icma/gnn/graph_batch.hpp"

#include <string>

#include "icma/core/error.hpp"

namespace icma::gnn {

GraphBatch make_batch(const std::vector<const chem::MolGraph*>& graphs) {
  std::int64_t nodes = 0, edges = 0;
  for (std::size_t g = 0; g < graphs.size(); ++g) {
    if (graphs[g]->num_atoms() == 0) throw InputError("graph " + std::to_string(g) + " of the batch has no atoms");
    nodes += static_cast<std::int64_t>(graphs[g]->num_atoms());
    edges += static_cast<std::int64_t>(graphs[g]->num_edges());
  }
  GraphBatch batch;
  batch.num_graphs = static_cast<std::int64_t>(graphs.size());
  batch.x = torch::empty({nodes, 2}, torch::kLong);
  batch.edge_index = torch::empty({2, edges}, torch::kLong);
  batch.edge_attr = torch::empty({edges, 2}, torch::kLong);
  batch.graph_of_node = torch::empty({nodes}, torch::kLong);
  auto x = batch.x.accessor<std::int64_t, 2>();
  auto edge_index = batch.edge_index.accessor<std::int64_t, 2>();
  auto edge_attr = batch.edge_attr.accessor<std::int64_t, 2>();
  auto graph_of_node = batch.graph_of_node.accessor<std::int64_t, 1>();
  std::int64_t node = 0, edge = 0;
  for (std::size_t g = 0; g < graphs.size(); ++g) {
    const chem::MolGraph& graph = *graphs[g];
    const std::int64_t offset = node;
    for (std::size_t a = 0; a < graph.num_atoms(); ++a, ++node) {
      x[node][0] = graph.atom_type[a];
      x[node][1] = model_chirality(graph.chirality[a]);
      graph_of_node[node] = static_cast<std::int64_t>(g);
    }
    for (std::size_t e = 0; e < graph.num_edges(); ++e, ++edge) {
      edge_index[0][edge] = graph.edge_src[e] + offset;
      edge_index[1][edge] = graph.edge_dst[e] + offset;
      edge_attr[edge][0] = graph.bond_type[e];
      edge_attr[edge][1] = graph.bond_dir[e];
    }
  }
  return batch;
}

}  // namespace icma::gnn
