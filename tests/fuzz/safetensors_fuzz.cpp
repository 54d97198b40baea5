// libFuzzer target: safetensors files (weights/tensor_file.hpp; run by
// scripts/fuzz.sh), read through a memory map with every offset, shape and
// dtype checked. The first byte picks the form of the rest:
//   even: the whole file, as is;
//   odd:  a header and data: the next byte splits the rest into the JSON
//         header and the data, and the 8-byte length prefix is made right,
//         so that inputs reach the header checks rather than the prefix's.
// Only InputError may refuse a file; every tensor of an accepted one is read
// in full (a view past the map would crash).

#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "fuzz_support.hpp"
#include "icma/weights/tensor_file.hpp"

namespace {

using namespace icma;
constexpr const char* kTarget = "safetensors_fuzz";

void check(const std::string& file) {
  const auto path = fuzz::scratch_file("weights.safetensors", file);
  const weights::TensorMap tensors = weights::read_safetensors(path);
  for (const auto& [name, tensor] : tensors) {
    const torch::Tensor values = tensor.to(torch::kFloat64);
    (void)values.sum().item<double>();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::string file;
  if (data[0] % 2 == 0) {
    file = std::string(reinterpret_cast<const char*>(data) + 1, size - 1);
  } else {
    const std::size_t split = std::min<std::size_t>(rest.size(), data[1] * rest.size() / 255);
    const std::string header = rest.substr(0, split);
    std::uint64_t length = header.size();
    file.assign(reinterpret_cast<const char*>(&length), 8);
    file += header + rest.substr(split);
  }
  fuzz::only_input_errors(kTarget, [&] { check(file); });
  return 0;
}
