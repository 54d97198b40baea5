#pragma once
// Copying a TensorMap into a model's named parameters and buffers, with the
// checks users need when a checkpoint does not fit: every missing key, every
// unexpected key and every shape mismatch is reported by name.

#include <icma/weights/tensor_file.hpp>

#include <torch/nn/module.h>

#include <string>
#include <vector>

namespace icma::weights {

struct LoadReport {
  std::vector<std::string> missing;     // model has it, file does not
  std::vector<std::string> unexpected;  // file has it, model does not
};

// Copies tensors[name] into every parameter and buffer of `module` (names as
// module.named_parameters()/named_buffers() give them), converting dtype.
// A shape mismatch always throws. Missing keys throw unless allow_missing;
// unexpected keys throw unless allow_unexpected. `source` names the file in
// messages.
LoadReport load_into(torch::nn::Module& module, const TensorMap& tensors, const std::string& source,
                     bool allow_missing = false, bool allow_unexpected = false);

// Weight names for an error message: the first `limit`, then "... (N in all)".
std::string join_weight_names(const std::vector<std::string>& names, std::size_t limit = 8);

// The module's parameters and buffers as a TensorMap (contiguous CPU copies),
// ready for write_safetensors.
TensorMap state_dict(const torch::nn::Module& module);

}  // namespace icma::weights
