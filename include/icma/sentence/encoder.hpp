#pragma once
// A BERT or RoBERTa encoder (HF's BertModel / RobertaModel without the
// pooler) loaded from a Hugging Face model directory and computed with
// LibTorch, in eval mode (no dropout), for inference only.
//
//   embeddings  word + token type 0 + absolute position, then LayerNorm
//   each layer  self-attention (padding masked out), dense, LayerNorm(x + .);
//               dense, activation, dense, LayerNorm(x + .)   (post-norm)
//
// Shapes: B = texts in a batch, T = tokens (padded), H = hidden_size.

#include <torch/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "icma/sentence/encoder_config.hpp"
#include "icma/weights/tensor_file.hpp"

namespace icma::sentence {

class TransformerEncoder {
 public:
  // Reads config.json and the weights of `model_dir`: model.safetensors or
  // pytorch_model.bin (torch.save), through the weights module. Checkpoint
  // names may carry the family's prefix ("bert." / "roberta.", as saved from
  // a pre-training model; what lies outside it, the heads, is left out);
  // pooler.* and the old embeddings.position_ids buffer are ignored; old
  // LayerNorm.gamma/beta names are read as weight/bias. Missing, unexpected
  // or mis-shaped weights throw InputError naming the file and the weights.
  // The weights go to `device` (CPU: they stay where they were read).
  static std::unique_ptr<TransformerEncoder> load(const std::filesystem::path& model_dir,
                                                  torch::Device device = torch::kCPU);
  // The same from tensors already read; `source` names them in errors.
  static std::unique_ptr<TransformerEncoder> from_tensors(EncoderConfig config, const weights::TensorMap& tensors,
                                                          const std::string& source);

  ~TransformerEncoder();
  TransformerEncoder(const TransformerEncoder&) = delete;
  TransformerEncoder& operator=(const TransformerEncoder&) = delete;

  const EncoderConfig& config() const;
  torch::Device device() const;

  // input_ids, attention_mask: int64 [B, T], mask 1 for real tokens and 0 for
  // padding (right padding). Returns float32 [B, T, H], HF's
  // last_hidden_state (rows of padding are computed but meaningless).
  // The inputs may be on any device; the result is on device().
  // T must not exceed config().max_sequence_length(). Const and free of
  // shared mutable state: callers may run batches on several threads.
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask) const;

 private:
  struct Impl;
  explicit TransformerEncoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The weights file of a model directory: model.safetensors, else
// pytorch_model.bin; InputError naming the directory when neither exists
// (sharded checkpoints are for billion-parameter models, not sentence encoders).
std::filesystem::path find_encoder_weights(const std::filesystem::path& model_dir);

// Checkpoint names as the encoder names them (see TransformerEncoder::load);
// the names left out are listed in `dropped`.
weights::TensorMap normalise_encoder_weights(const EncoderConfig& config, weights::TensorMap tensors,
                                             std::vector<std::string>& dropped);

}  // namespace icma::sentence
