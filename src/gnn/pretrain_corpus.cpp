#include <spdlog/spdlog.h>

#include <optional>

#include "icma/chem/molecule.hpp"
#include "icma/core/parallel.hpp"
#include "icma/gnn/pretrain.hpp"

namespace icma::gnn {

std::vector<chem::MolGraph> featurise_corpus(const data::Dataset& corpus, unsigned threads) {
  std::vector<std::optional<chem::MolGraph>> graphs(corpus.records.size());
  parallel_for(corpus.records.size(), threads, 64, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const std::optional<chem::Molecule> molecule = chem::Molecule::from_smiles(corpus.records[i].smiles);
      if (molecule) graphs[i] = chem::graph_features(*molecule);
    }
  });
  std::vector<chem::MolGraph> usable;
  usable.reserve(graphs.size());
  for (std::size_t i = 0; i < graphs.size(); ++i) {
    const data::MoleculeRecord& record = corpus.records[i];
    if (!graphs[i]) {
      spdlog::warn("{}:{}: SMILES does not parse; left out of pre-training", corpus.path, record.line);
    } else if (graphs[i]->num_atoms() == 0) {
      spdlog::warn("{}:{}: molecule has no atoms; left out of pre-training", corpus.path, record.line);
    } else {
      usable.push_back(std::move(*graphs[i]));
    }
  }
  return usable;
}

}  // namespace icma::gnn
