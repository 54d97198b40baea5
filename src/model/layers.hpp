#pragma once
// The building blocks of every supported decoder, as LibTorch modules whose
// parameter names are the Hugging Face checkpoint's. Private to src/model.

#include <torch/torch.h>

#include <string>

#include "icma/model/config.hpp"

namespace icma::model::detail {

// y = x W^T + b. A module of our own (not torch::nn::Linear) so that LoRA can
// later hang lora_A / lora_B beside the frozen weight under PEFT's names.
class LinearImpl : public torch::nn::Module {
 public:
  LinearImpl(int64_t in, int64_t out, bool bias);
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight;
  torch::Tensor bias;  // undefined without bias
};
TORCH_MODULE(Linear);

// LayerNorm (OPT) or RMSNorm (Llama family), affine or not.
class NormImpl : public torch::nn::Module {
 public:
  NormImpl(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  NormKind kind_;
  double eps_;
  torch::Tensor weight_;  // undefined when not affine
  torch::Tensor bias_;    // LayerNorm only
};
TORCH_MODULE(Norm);

// x W^T + b, for any leading shape of x.
torch::Tensor project(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias = {});

torch::Tensor activate(const std::string& activation, const torch::Tensor& x);

}  // namespace icma::model::detail
