#pragma once
// The sentence encoder as icma-index and icma-retrieve use it: a
// sentence-transformers directory in, unit-length caption embeddings out (so
// that the retrieval module's dot product is the cosine similarity
// sentence-transformers' util.cos_sim gives), with what the index manifest
// records about the model.

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "icma/data/embedding_rows.hpp"
#include "icma/sentence/sentence_model.hpp"

namespace icma::sentence {

class CaptionEmbedder {
 public:
  // Loads the model (SentenceModel::load) onto `device` and sets LibTorch's
  // intra-op threads to `threads`, which also tokenise.
  CaptionEmbedder(const std::string& model_dir, unsigned threads, std::size_t batch_size = 32,
                  torch::Device device = torch::kCPU);

  // One unit vector per caption (the sentence embedding over its L2 norm);
  // a caption whose embedding is all zeros gets none, and says so.
  data::EmbeddingRows embed(const std::vector<std::string>& captions, const std::string& progress_label = "") const;

  // {"model": {"path", "sha256", "files"}, "model_type", "layers", "hidden_size",
  //  "dim", "pooling", "normalize", "max_seq_length", "do_lower_case"}: the
  // manifest's "sentence" section (fingerprint_model_files gives the hashes).
  const nlohmann::json& info() const { return info_; }
  const SentenceModel& model() const { return *model_; }

 private:
  std::unique_ptr<SentenceModel> model_;
  nlohmann::json info_;
  unsigned threads_;
  std::size_t batch_size_;
};

}  // namespace icma::sentence
