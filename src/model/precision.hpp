#pragma once
// Mixed precision for training, as torch.autocast and torch.cuda.amp's
// GradScaler do it. Private to src/model.
//
// Full fine-tuning in bf16/fp16 keeps float32 master weights and runs the
// forward pass under autocast (matrix products in the low precision, softmax
// and losses in float32). fp16's narrow range needs the loss scaled up
// before backward and the gradients scaled back before the step, with a
// scale that halves whenever a gradient overflows (that step is skipped)
// and doubles after a run of clean steps. LoRA needs neither: the frozen
// base is stored in the low precision and the adapter computes in float32
// (layers.cpp).

#include <torch/torch.h>

#include <vector>

namespace icma::model::detail {

// Autocast to `dtype` on `device` while alive; float32 does nothing. Works
// with LibTorch 1.13's per-device calls and 2.4+'s device-generic ones.
class AutocastScope {
 public:
  AutocastScope(torch::DeviceType device, torch::Dtype dtype);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

  // The state in force now, to re-enter it elsewhere (gradient checkpointing's recompute).
  static bool enabled(torch::DeviceType device);
  static torch::Dtype dtype(torch::DeviceType device);

 private:
  torch::DeviceType device_;
  bool active_ = false;
  bool was_enabled_ = false;
  torch::Dtype was_dtype_ = torch::kFloat32;
};

// GradScaler's dynamic loss scale: initial 2^16, x0.5 on overflow, x2 after
// 2000 clean steps in a row.
class LossScaler {
 public:
  explicit LossScaler(bool enabled) : enabled_(enabled) {}
  bool enabled() const { return enabled_; }
  double scale() const { return enabled_ ? scale_ : 1.0; }
  // Divides the gradients by the scale; false (and the scale halved) when
  // any of them is not finite, in which case the step must be skipped.
  bool unscale_and_check(const std::vector<torch::Tensor>& gradients);
  // After a step that was taken.
  void update_after_step();
  // For checkpoints: {scale, clean steps}.
  std::vector<double> state() const { return {scale_, static_cast<double>(clean_steps_)}; }
  void set_state(const std::vector<double>& state);

 private:
  bool enabled_;
  double scale_ = 65536.0;
  int64_t clean_steps_ = 0;
};

}  // namespace icma::model::detail
