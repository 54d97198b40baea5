#pragma once
// The dtype names each file format uses, and their LibTorch types.

#include <torch/types.h>

#include <optional>
#include <string>

namespace icma::weights::detail {

// safetensors' names: "F32", "BF16", "I64", ...
std::optional<torch::Dtype> dtype_from_safetensors(const std::string& name);
std::string safetensors_name(torch::Dtype dtype);  // throws Error for unsupported types

// torch.save storage classes: "FloatStorage", "BFloat16Storage", ...
std::optional<torch::Dtype> dtype_from_storage_class(const std::string& name);

}  // namespace icma::weights::detail
