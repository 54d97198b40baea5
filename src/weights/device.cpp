#include "icma/weights/device.hpp"

#include <optional>

#include <torch/cuda.h>

#include "icma/core/error.hpp"

namespace icma::weights {

torch::Device parse_device(const std::string& name) {
  std::optional<torch::Device> device;
  try {
    device.emplace(name);
  } catch (const std::exception&) {
    throw InputError("unknown --device '" + name + "' (use cpu, cuda or cuda:N)");
  }
  if (!device->is_cpu() && !device->is_cuda()) throw InputError("unknown --device '" + name + "' (use cpu, cuda or cuda:N)");
  if (device->is_cuda()) {
    if (!torch::cuda::is_available()) throw InputError("--device " + name + ": this LibTorch has no CUDA device available");
    if (device->has_index() && device->index() >= static_cast<int>(torch::cuda::device_count())) {
      throw InputError("--device " + name + ": there are " + std::to_string(torch::cuda::device_count()) +
                       " CUDA device(s)");
    }
  }
  return *device;
}

}  // namespace icma::weights
