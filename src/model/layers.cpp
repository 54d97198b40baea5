#include "layers.hpp"

#include <cmath>

#include "gemv.hpp"

namespace icma::model::detail {
namespace {

// y = x W^T for an int8 weight. Backward dequantises again instead of keeping
// the dequantised matrix alive, so training holds only the int8 rows (as
// bitsandbytes' MatMul8bitLt saves only its int8 matrix and statistics).
class Int8Projection : public torch::autograd::Function<Int8Projection> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& x,
                               const torch::Tensor& rows, const torch::Tensor& absmax) {
    context->save_for_backward({rows, absmax});
    return torch::linear(x, dequantize_int8(rows, absmax, x.scalar_type()));
  }
  static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* context,
                                               torch::autograd::tensor_list gradients) {
    const auto saved = context->get_saved_variables();
    const torch::Tensor& gradient = gradients[0];
    return {torch::matmul(gradient, dequantize_int8(saved[0], saved[1], gradient.scalar_type())), torch::Tensor(),
            torch::Tensor()};
  }
};

}  // namespace

LinearImpl::LinearImpl(int64_t in, int64_t out, bool has_bias) : in_features_(in), out_features_(out) {
  weight = register_parameter("weight", torch::empty({out, in}));
  if (has_bias) bias = register_parameter("bias", torch::zeros({out}));
}

torch::Tensor dequantize_int8(const torch::Tensor& rows, const torch::Tensor& absmax, torch::Dtype dtype) {
  // In float32 first: absmax / 127 is not exact in half precision.
  return (rows.to(torch::kFloat32) * (absmax / 127.0).unsqueeze(1)).to(dtype);
}

void LinearImpl::quantize_int8() {
  if (weight_int8_.defined()) return;
  torch::NoGradGuard no_grad;
  const torch::Tensor w = weight.detach().to(torch::kFloat32);
  const torch::Tensor absmax = w.abs().amax(1);
  // An all-zero row has absmax 0: its int8 row is zero too.
  const torch::Tensor rows = torch::round(w * (127.0 / absmax.clamp_min(1e-30)).unsqueeze(1)).clamp(-127, 127);
  weight_int8_ = register_buffer("weight_int8", rows.to(torch::kInt8));
  weight_absmax_ = register_buffer("weight_absmax", absmax);
  weight.set_requires_grad(false);
  weight.set_data(torch::empty({0}, weight.options()));  // the full-precision copy is freed
}

torch::Tensor LinearImpl::forward(const torch::Tensor& x) {
  torch::Tensor y;
  if (weight_int8_.defined()) {
    y = Int8Projection::apply(x, weight_int8_, weight_absmax_);
    if (bias.defined()) y = y + bias.to(y.scalar_type());
  } else {
    y = project(x, weight, bias);
  }
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
  const int64_t in = in_features_;
  const int64_t out = out_features_;
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
