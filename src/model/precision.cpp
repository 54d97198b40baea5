#include "precision.hpp"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <cmath>

#include "icma/core/error.hpp"

// LibTorch 2.4 made autocast's switches device-generic and deprecated the
// per-device ones that 1.13 has.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define ICMA_AUTOCAST_GENERIC 1
#endif

namespace icma::model::detail {
namespace {

void set_autocast(torch::DeviceType device, bool enabled, torch::Dtype dtype) {
#ifdef ICMA_AUTOCAST_GENERIC
  at::autocast::set_autocast_enabled(device, enabled);
  at::autocast::set_autocast_dtype(device, dtype);
#else
  if (device == torch::kCUDA) {
    at::autocast::set_enabled(enabled);
    at::autocast::set_autocast_gpu_dtype(dtype);
  } else {
    at::autocast::set_cpu_enabled(enabled);
    at::autocast::set_autocast_cpu_dtype(dtype);
  }
#endif
}

}  // namespace

bool AutocastScope::enabled(torch::DeviceType device) {
#ifdef ICMA_AUTOCAST_GENERIC
  return at::autocast::is_autocast_enabled(device);
#else
  return device == torch::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

torch::Dtype AutocastScope::dtype(torch::DeviceType device) {
#ifdef ICMA_AUTOCAST_GENERIC
  return at::autocast::get_autocast_dtype(device);
#else
  return device == torch::kCUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
#endif
}

AutocastScope::AutocastScope(torch::DeviceType device, torch::Dtype dtype) : device_(device) {
  if (dtype == torch::kFloat32) return;
  if (device != torch::kCPU && device != torch::kCUDA) throw InputError("mixed precision needs a CPU or CUDA device");
  if (device == torch::kCPU && dtype != torch::kBFloat16) {
    throw InputError("fp16 mixed precision needs a CUDA device (LibTorch autocasts CPU to bf16 only); use --dtype bf16");
  }
  was_enabled_ = enabled(device);
  was_dtype_ = AutocastScope::dtype(device);
  set_autocast(device, true, dtype);
  at::autocast::increment_nesting();
  active_ = true;
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  // Leaving the outermost scope drops the casts it cached (as torch.autocast does).
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_autocast(device_, was_enabled_, was_dtype_);
}

bool LossScaler::unscale_and_check(const std::vector<torch::Tensor>& gradients) {
  if (!enabled_) return true;
  torch::NoGradGuard no_grad;
  bool finite = true;
  for (const torch::Tensor& gradient : gradients) {
    gradient.div_(scale_);
    if (finite && !torch::isfinite(gradient).all().item<bool>()) finite = false;
  }
  if (!finite) {
    scale_ *= 0.5;
    clean_steps_ = 0;
  }
  return finite;
}

void LossScaler::update_after_step() {
  if (!enabled_) return;
  if (++clean_steps_ >= 2000) {
    scale_ *= 2.0;
    clean_steps_ = 0;
  }
}

void LossScaler::set_state(const std::vector<double>& state) {
  if (state.size() != 2 || !(state[0] > 0) || !std::isfinite(state[0])) throw InputError("bad loss-scaler state in a checkpoint");
  scale_ = state[0];
  clean_steps_ = static_cast<int64_t>(state[1]);
}

}  // namespace icma::model::detail
