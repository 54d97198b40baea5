#include "icma/sentence/caption_embedder.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <filesystem>

namespace icma::sentence {

CaptionEmbedder::CaptionEmbedder(const std::string& model_dir, unsigned threads, std::size_t batch_size,
                                 torch::Device device)
    : threads_(std::max(1u, threads)), batch_size_(batch_size) {
  at::set_num_threads(static_cast<int>(threads_));
  model_ = SentenceModel::load(model_dir, device);
  nlohmann::json model = fingerprint_model_files(model_->layout());
  model["path"] = std::filesystem::absolute(model_dir).lexically_normal().string();
  const EncoderConfig& config = model_->encoder().config();
  info_ = {{"model", model},
           {"model_type", config.model_type},
           {"layers", config.num_layers},
           {"hidden_size", config.hidden_size},
           {"dim", model_->dimension()},
           {"pooling", model_->pooling().describe()},
           {"normalize", model_->layout().normalize},
           {"max_seq_length", model_->max_seq_length()},
           {"do_lower_case", model_->do_lower_case()}};
}

data::EmbeddingRows CaptionEmbedder::embed(const std::vector<std::string>& captions,
                                           const std::string& progress_label) const {
  EncodeOptions options;
  options.batch_size = batch_size_;
  options.threads = threads_;
  options.progress_label = progress_label;
  torch::Tensor embeddings = model_->encode(captions, options);
  const torch::Tensor norms = embeddings.norm(2, {1}, /*keepdim=*/true);
  embeddings = (embeddings / norms.clamp_min(1e-12)).contiguous();

  data::EmbeddingRows rows;
  rows.dim = static_cast<std::size_t>(model_->dimension());
  rows.values.assign(embeddings.data_ptr<float>(), embeddings.data_ptr<float>() + embeddings.numel());
  rows.missing.assign(captions.size(), "");
  const auto norm = norms.accessor<float, 2>();
  for (std::size_t i = 0; i < captions.size(); ++i) {
    if (!(norm[static_cast<std::int64_t>(i)][0] > 0.0f)) rows.missing[i] = "sentence embedding is zero";
  }
  return rows;
}

}  // namespace icma::sentence
