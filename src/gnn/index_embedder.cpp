#include "icma/gnn/index_embedder.hpp"

#include <ATen/Parallel.h>

#include <filesystem>

#include "icma/core/sha256.hpp"
#include "icma/gnn/embedder.hpp"
#include "icma/gnn/gin_weights.hpp"

namespace icma::gnn {

IndexEmbedder::IndexEmbedder(const std::string& weights_path, const std::optional<std::string>& prefix,
                             unsigned threads, std::size_t batch_size)
    : threads_(threads), batch_size_(batch_size) {
  at::set_num_threads(static_cast<int>(std::max(1u, threads)));
  const LoadedGin loaded = load_gin(weights_path, prefix);
  model_ = std::make_unique<GinInference>(*loaded.encoder);
  info_ = {{"weights",
            {{"path", std::filesystem::absolute(weights_path).lexically_normal().string()},
             {"sha256", sha256_file_hex(weights_path)},
             {"prefix", loaded.prefix}}},
           {"num_layers", loaded.encoder->config().num_layers},
           {"emb_dim", loaded.encoder->config().emb_dim},
           {"jk", "last"},
           {"pooling", "mean"}};
}

data::EmbeddingRows IndexEmbedder::embed(const std::vector<std::string>& smiles,
                                              const std::string& progress_label) const {
  EmbeddingOptions options;
  options.threads = threads_;
  options.batch_size = batch_size_;
  options.progress_label = progress_label;
  MoleculeEmbeddings embedded = embed_smiles(*model_, smiles, options);
  data::EmbeddingRows rows;
  rows.dim = static_cast<std::size_t>(embedded.dim);
  rows.values = std::move(embedded.values);
  rows.missing.resize(embedded.size());
  for (std::size_t i = 0; i < embedded.size(); ++i) {
    if (embedded.status[i] != EmbeddingStatus::ok) rows.missing[i] = embedding_status_text(embedded.status[i]);
  }
  return rows;
}

}  // namespace icma::gnn
