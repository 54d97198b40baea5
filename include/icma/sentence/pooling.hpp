#pragma once
// sentence-transformers' Pooling module: token embeddings [B, T, H] and the
// attention mask [B, T] in, one sentence embedding per text out. Several
// modes may be on at once; their vectors are concatenated in the order
// sentence-transformers uses (cls, max, mean, mean_sqrt_len, weightedmean,
// lasttoken).
//
//   cls            the first token's embedding
//   max            per dimension, the largest over real tokens (padding set to -1e9)
//   mean           sum(emb * mask) / clamp(sum(mask), 1e-9)
//   mean_sqrt_len  sum(emb * mask) / sqrt(clamp(sum(mask), 1e-9))
//   weightedmean   the mean weighted by position 1..T
//   lasttoken      the last real token's embedding (right padding)

#include <torch/types.h>

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace icma::sentence {

enum class PoolingMode { cls, max, mean, mean_sqrt_len, weighted_mean, last_token };

struct PoolingConfig {
  std::int64_t word_embedding_dimension = 0;
  std::vector<PoolingMode> modes = {PoolingMode::mean};  // in output order
  // Whether prompt tokens count in the pooling; icma sends no prompts, so it
  // is read and recorded, and changes nothing.
  bool include_prompt = true;

  // A Pooling config.json as sentence-transformers writes it (the
  // pooling_mode_* booleans, or a "pooling_mode" string). Unknown keys or
  // modes, and a config with no mode on, throw InputError naming the file and
  // the key; `source` names the file.
  static PoolingConfig from_json(const nlohmann::json& json, const std::string& source);
  static PoolingConfig load(const std::filesystem::path& file);

  std::int64_t output_dimension() const { return word_embedding_dimension * static_cast<std::int64_t>(modes.size()); }
  // "mean", "cls+max", ... (sentence-transformers' get_pooling_mode_str).
  std::string describe() const;
};

// token_embeddings: float32 [B, T, H]; attention_mask: int64 [B, T].
// Returns float32 [B, output_dimension()].
torch::Tensor pool(const PoolingConfig& config, const torch::Tensor& token_embeddings,
                   const torch::Tensor& attention_mask);

}  // namespace icma::sentence
