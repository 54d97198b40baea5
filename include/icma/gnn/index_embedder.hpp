#pragma once
// The GIN as icma-index and icma-retrieve use it: a weights file in,
// unit-length embeddings of SMILES out, in the retrieval module's layout,
// with what the index manifest records about the weights.

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "icma/gnn/gin_inference.hpp"
#include "icma/data/embedding_rows.hpp"

namespace icma::gnn {

class IndexEmbedder {
 public:
  // Loads the weights (see load_gin; prefix std::nullopt = find it) and sets
  // LibTorch's intra-op threads to `threads`, which also featurise.
  IndexEmbedder(const std::string& weights_path, const std::optional<std::string>& prefix, unsigned threads,
                std::size_t batch_size = 2048);

  // Unit vectors; rows that cannot be embedded say why (embedding_status_text).
  data::EmbeddingRows embed(const std::vector<std::string>& smiles, const std::string& progress_label = "") const;

  // {"weights": {"path", "sha256", "prefix"}, "num_layers", "emb_dim",
  //  "jk": "last", "pooling": "mean"}
  const nlohmann::json& info() const { return info_; }

 private:
  std::unique_ptr<GinInference> model_;
  nlohmann::json info_;
  unsigned threads_;
  std::size_t batch_size_;
};

}  // namespace icma::gnn
