#pragma once
// Helpers for the gnn tests: molecules to graphs, and a GIN with random but
// realistic weights (batch-norm statistics from training-mode passes).

#include <torch/torch.h>

#include <string>
#include <vector>

#include "icma/chem/graph_features.hpp"
#include "icma/chem/molecule.hpp"
#include "icma/gnn/gin.hpp"
#include "test_support.hpp"

namespace icma::testing {

inline std::vector<chem::MolGraph> graphs_of(const std::vector<std::string>& smiles) {
  std::vector<chem::MolGraph> graphs;
  for (const std::string& s : smiles) {
    const auto molecule = chem::Molecule::from_smiles(s);
    if (!molecule) throw std::runtime_error("does not parse: " + s);
    graphs.push_back(chem::graph_features(*molecule));
  }
  return graphs;
}

inline std::vector<const chem::MolGraph*> pointers(const std::vector<chem::MolGraph>& graphs) {
  std::vector<const chem::MolGraph*> out;
  for (const auto& graph : graphs) out.push_back(&graph);
  return out;
}

// The first `count` SMILES of ChEBI-20's test split.
inline std::vector<std::string> chebi20_test_smiles(std::size_t count) {
  std::ifstream in(shared_dir() + "/data/chebi20/test.txt");
  if (!in) throw std::runtime_error("cannot open ChEBI-20 test split under " + shared_dir());
  std::vector<std::string> out;
  std::string line;
  std::getline(in, line);  // header
  while (out.size() < count && std::getline(in, line)) {
    const std::size_t first = line.find('\t');
    const std::size_t second = line.find('\t', first + 1);
    out.push_back(line.substr(first + 1, second - first - 1));
  }
  return out;
}

// A seeded GIN whose batch norms have been run in training mode over
// `graphs`, then put in eval mode.
inline gnn::GinEncoder realistic_gin(const gnn::GinConfig& config, const std::vector<chem::MolGraph>& graphs,
                                     std::uint64_t seed = 7) {
  torch::manual_seed(seed);
  gnn::GinEncoder encoder(config);
  torch::NoGradGuard no_grad;
  for (auto& module : *encoder->batch_norms) {
    auto* norm = module->as<torch::nn::BatchNorm1dImpl>();
    norm->weight.uniform_(0.5, 1.5);
    norm->bias.uniform_(-0.3, 0.3);
    norm->options.momentum(c10::nullopt);
  }
  encoder->train();
  encoder->forward(gnn::make_batch(pointers(graphs)));
  encoder->eval();
  return encoder;
}

}  // namespace icma::testing
