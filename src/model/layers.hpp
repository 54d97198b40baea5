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

  // LoRA as PEFT does it: y = W x + b + scale * B A dropout(x), with A [r, in]
  // from kaiming_uniform(a = sqrt(5)) and B [out, r] zero, registered as
  // submodules lora_A and lora_B (so their weights are named as PEFT saves them).
  void attach_lora(int64_t r, double scale, double dropout, at::Generator& generator);
  bool has_lora() const { return lora_A_ != nullptr; }

  // Replaces the weight by int8 rows and their absmax (bitsandbytes' CB and
  // SCB: W ~ CB * SCB / 127, rounded to nearest, ties to even) and frees it;
  // forward then dequantises into the input's dtype. Only for a frozen weight.
  void quantize_int8();
  bool is_int8() const { return weight_int8_.defined(); }
  const torch::Tensor& weight_int8() const { return weight_int8_; }
  const torch::Tensor& weight_absmax() const { return weight_absmax_; }
  torch::Tensor& lora_A() { return lora_A_->weight; }
  torch::Tensor& lora_B() { return lora_B_->weight; }

  torch::Tensor weight;
  torch::Tensor bias;  // undefined without bias

 private:
  int64_t in_features_;
  int64_t out_features_;
  torch::Tensor weight_int8_;    // [out, in] int8, after quantize_int8()
  torch::Tensor weight_absmax_;  // [out] float32
  std::shared_ptr<LinearImpl> lora_A_;
  std::shared_ptr<LinearImpl> lora_B_;
  double lora_scale_ = 0;
  double lora_dropout_ = 0;
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

// W from int8 rows and their absmax (LinearImpl::quantize_int8), in `dtype`.
torch::Tensor dequantize_int8(const torch::Tensor& rows, const torch::Tensor& absmax, torch::Dtype dtype);

// x W^T + b, for any leading shape of x.
torch::Tensor project(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias = {});

torch::Tensor activate(const std::string& activation, const torch::Tensor& x);

}  // namespace icma::model::detail
