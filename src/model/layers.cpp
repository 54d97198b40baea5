#include "layers.hpp"

#include <cmath>

#include "gemv.hpp"

namespace icma::model::detail {

LinearImpl::LinearImpl(int64_t in, int64_t out, bool has_bias) {
  weight = register_parameter("weight", torch::empty({out, in}));
  if (has_bias) bias = register_parameter("bias", torch::zeros({out}));
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
  torch::Tensor y = project(x, weight, bias);
  if (lora_A_ == nullptr) return y;
  // As PEFT: the adapter computes in its own dtype (float32, also over a
  // bf16/fp16 base), and the sum comes back in the base layer's dtype.
  const torch::Tensor lora_input = x.to(lora_A_->weight.scalar_type());
  const torch::Tensor input =
      lora_dropout_ > 0 && is_training() ? torch::dropout(lora_input, lora_dropout_, true) : lora_input;
  const torch::Tensor update = project(project(input, lora_A_->weight), lora_B_->weight) * lora_scale_;
  return y.scalar_type() == update.scalar_type() ? y + update : (y + update).to(y.scalar_type());
}

void LinearImpl::attach_lora(int64_t r, double scale, double dropout, at::Generator& generator) {
  const int64_t in = weight.size(1);
  const int64_t out = weight.size(0);
  // LoRA weights, their gradients and AdamW state stay float32 whatever the
  // base's dtype (PEFT's autocast_adapter_dtype), on the base's device.
  const auto options = weight.options().dtype(torch::kFloat32);
  lora_A_ = register_module("lora_A", std::make_shared<LinearImpl>(in, r, false));
  lora_B_ = register_module("lora_B", std::make_shared<LinearImpl>(r, out, false));
  torch::NoGradGuard no_grad;
  // kaiming_uniform_(a = sqrt(5)): bound = sqrt(6 / ((1 + a^2) fan_in)) = 1 / sqrt(fan_in).
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  lora_A_->weight.set_data(torch::empty({r, in}, torch::kFloat32).uniform_(-bound, bound, generator).to(options));
  lora_B_->weight.set_data(torch::zeros({out, r}, options));
  lora_scale_ = scale;
  lora_dropout_ = dropout;
}

torch::Tensor project(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  // One row (a generation step at batch 1): a matrix-vector product, which
  // reads the weight once; our AVX2 kernel (gemv.hpp) when it can run, else
  // BLAS's gemv (about twice as fast as the general matrix product
  // torch::linear picks for a 1-row matrix).
  if (x.dim() >= 1 && x.numel() == x.size(-1)) {
    std::vector<int64_t> shape = x.sizes().vec();
    shape.back() = weight.size(0);
    const bool needs_grad = torch::GradMode::is_enabled() && (x.requires_grad() || weight.requires_grad());
    if (!needs_grad && fast_gemv_available() && x.device().is_cpu() && x.scalar_type() == torch::kFloat32 &&
        weight.scalar_type() == torch::kFloat32 && weight.is_contiguous() &&
        (!bias.defined() || bias.scalar_type() == torch::kFloat32)) {
      return fast_gemv(weight, x.reshape({-1}), bias).view(shape);
    }
    torch::Tensor y = torch::mv(weight, x.reshape({-1}));
    if (bias.defined()) y.add_(bias);
    return y.view(shape);
  }
  return torch::linear(x, weight, bias);
}

NormImpl::NormImpl(const ModelConfig& config) : kind_(config.norm), eps_(config.norm_eps) {
  if (!config.norm_affine) return;
  weight_ = register_parameter("weight", torch::ones({config.hidden_size}));
  if (kind_ == NormKind::kLayerNorm) bias_ = register_parameter("bias", torch::zeros({config.hidden_size}));
}

torch::Tensor NormImpl::forward(const torch::Tensor& x) {
  if (kind_ == NormKind::kLayerNorm) return torch::layer_norm(x, {x.size(-1)}, weight_, bias_, eps_);
  // RMSNorm as Hugging Face computes it: in float32, then back to the input
  // dtype before the weight multiplies.
  const torch::Tensor x32 = x.to(torch::kFloat32);
  const torch::Tensor normed = (x32 * torch::rsqrt(x32.pow(2).mean(-1, true) + eps_)).to(x.scalar_type());
  return weight_.defined() ? weight_ * normed : normed;
}

torch::Tensor activate(const std::string& activation, const torch::Tensor& x) {
  if (activation == "silu" || activation == "swish") return torch::silu(x);
  if (activation == "gelu") return torch::gelu(x);
  if (activation == "gelu_new" || activation == "gelu_pytorch_tanh") return torch::gelu(x, "tanh");
  return torch::relu(x);  // config.cpp admits nothing else
}

}  // namespace icma::model::detail
