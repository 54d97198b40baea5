#pragma once
// The --device flag of every command that runs a LibTorch model: "cpu",
// "cuda" or "cuda:N", checked against the devices this LibTorch can use.

#include <string>

#include <torch/types.h>

namespace icma::weights {

// InputError for an unknown name, CUDA without a CUDA device, or an index
// beyond the devices there are.
torch::Device parse_device(const std::string& name);

}  // namespace icma::weights
