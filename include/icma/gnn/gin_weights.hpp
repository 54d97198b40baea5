#pragma once
// GIN weights on disk: pretrain-gnns / Mole-BERT checkpoints saved with
// torch.save (.pth, zip format; read without running pickled code), and
// our own safetensors files (gnn-pretrain writes those).
//
// The architecture is read off the tensors: the embedding size from
// x_embedding1.weight, the number of layers from gnns.{i}. Keys may carry a
// common prefix ("gnn." in Mole-BERT's full-model checkpoints,
// "module." after DataParallel); it is found by locating x_embedding1.weight
// unless given. Keys outside the prefix (prediction heads, ...) are ignored
// and logged at debug level. A missing key (num_batches_tracked aside, which
// older PyTorch did not save) or a shape mismatch is an icma::InputError
// naming the file and the key.
//
// Checkpoints in PyTorch's legacy (pre-1.6, non-zip) format, like the
// original pretrain-gnns releases, must be re-saved first:
//   python3 -c "import torch; torch.save(torch.load('old.pth'), 'new.pth')"

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "icma/gnn/gin.hpp"

namespace icma::gnn {

struct LoadedGin {
  GinEncoder encoder{nullptr};  // in eval mode
  std::string prefix;           // the prefix the keys carried ("" if none)
  std::size_t ignored_keys = 0; // tensors of the file that are not the encoder's
};

// prefix: std::nullopt = find it; "" = keys have none; "gnn." = this one.
LoadedGin load_gin(const std::filesystem::path& file, const std::optional<std::string>& prefix = std::nullopt);

// Writes the encoder's parameters and buffers (pretrain-gnns key names, no
// prefix) and `metadata` as a safetensors file, atomically.
void save_gin(const GinEncoderImpl& encoder, const std::filesystem::path& file,
              const std::map<std::string, std::string>& metadata = {});

}  // namespace icma::gnn
