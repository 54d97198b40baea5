#include "icma/gnn/embedder.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>

#include "icma/chem/molecule.hpp"
#include "icma/core/parallel.hpp"
#include "icma/core/progress.hpp"

namespace icma::gnn {

const char* embedding_status_text(EmbeddingStatus status) {
  switch (status) {
    case EmbeddingStatus::ok: return "ok";
    case EmbeddingStatus::unparsable: return "SMILES does not parse";
    case EmbeddingStatus::no_atoms: return "molecule has no atoms";
  }
  return "?";
}

MoleculeEmbeddings embed_smiles(const GinInference& model, const std::vector<std::string>& smiles,
                                const EmbeddingOptions& options) {
  MoleculeEmbeddings out;
  out.dim = model.dim();
  const auto dim = static_cast<std::size_t>(out.dim);
  out.values.assign(smiles.size() * dim, 0.0f);
  out.status.assign(smiles.size(), EmbeddingStatus::ok);
  std::unique_ptr<Progress> progress;
  if (!options.progress_label.empty()) progress = std::make_unique<Progress>(options.progress_label, smiles.size());

  const std::size_t batch_size = std::max<std::size_t>(1, options.batch_size);
  std::vector<chem::MolGraph> graphs(batch_size);
  using Clock = std::chrono::steady_clock;
  double featurise_seconds = 0.0, encode_seconds = 0.0;
  for (std::size_t first = 0; first < smiles.size(); first += batch_size) {
    const std::size_t count = std::min(batch_size, smiles.size() - first);
    const auto featurise_start = Clock::now();
    parallel_for(count, options.threads, 16, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) {
        const std::optional<chem::Molecule> molecule = chem::Molecule::from_smiles(smiles[first + i]);
        graphs[i] = molecule ? chem::graph_features(*molecule) : chem::MolGraph{};
        if (!molecule) {
          out.status[first + i] = EmbeddingStatus::unparsable;
        } else if (graphs[i].num_atoms() == 0) {
          out.status[first + i] = EmbeddingStatus::no_atoms;
        }
      }
    });
    const auto encode_start = Clock::now();
    featurise_seconds += std::chrono::duration<double>(encode_start - featurise_start).count();
    std::vector<const chem::MolGraph*> batch;
    std::vector<std::size_t> rows;
    for (std::size_t i = 0; i < count; ++i) {
      if (out.status[first + i] != EmbeddingStatus::ok) continue;
      batch.push_back(&graphs[i]);
      rows.push_back(first + i);
    }
    if (!batch.empty()) {
      const torch::Tensor embedded = model.embed(batch).contiguous();
      const float* values = embedded.data_ptr<float>();
      for (std::size_t b = 0; b < rows.size(); ++b) {
        float* row = out.values.data() + rows[b] * dim;
        std::memcpy(row, values + b * dim, dim * sizeof(float));
        if (!options.l2_normalise) continue;
        double norm = 0.0;
        for (std::size_t k = 0; k < dim; ++k) norm += static_cast<double>(row[k]) * row[k];
        if (norm > 0.0) {
          const auto scale = static_cast<float>(1.0 / std::sqrt(norm));
          for (std::size_t k = 0; k < dim; ++k) row[k] *= scale;
        }
      }
    }
    encode_seconds += std::chrono::duration<double>(Clock::now() - encode_start).count();
    if (progress) progress->advance(count);
  }
  spdlog::debug("embedded {} molecules: {:.2f} s parsing and featurising, {:.2f} s in the GIN", smiles.size(),
                featurise_seconds, encode_seconds);
  if (progress) progress->finish();
  return out;
}

}  // namespace icma::gnn
