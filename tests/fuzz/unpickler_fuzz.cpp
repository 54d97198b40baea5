// libFuzzer target: torch.save checkpoints read by the restricted unpickler
// (weights/torch_checkpoint.cpp; run by scripts/fuzz.sh), which must refuse
// any global it does not know and never run pickled code. The first byte
// picks the form of the rest:
//   even: the whole file (LibTorch's zip reader first);
//   odd:  a pickle program, put into a well-formed archive as data.pkl beside
//         four 64-byte storages "0".."3" and a byteorder record, so that
//         inputs reach the unpickler rather than the zip reader.
// Only InputError may refuse a checkpoint; every tensor of an accepted one is
// read in full.

#include <cstdint>
#include <string>

#include <caffe2/serialize/inline_container.h>
#include <torch/torch.h>

#include "fuzz_support.hpp"
#include "icma/weights/tensor_file.hpp"

namespace {

using namespace icma;
constexpr const char* kTarget = "unpickler_fuzz";

std::string archive_with_program(const std::string& program) {
  const std::string path = fuzz::scratch_dir() + "/archive.pth";
  caffe2::serialize::PyTorchStreamWriter writer(path);
  writer.writeRecord("data.pkl", program.data(), program.size());
  writer.writeRecord("byteorder", "little", 6);
  const std::string storage(64, '\x01');
  for (const char* name : {"data/0", "data/1", "data/2", "data/3"}) writer.writeRecord(name, storage.data(), storage.size());
  writer.writeEndOfFile();
  return path;
}

void check(const std::string& path) {
  const weights::TensorMap tensors = weights::read_torch_checkpoint(path);
  for (const auto& [name, tensor] : tensors) (void)tensor.to(torch::kFloat64).sum().item<double>();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string path =
      data[0] % 2 == 0 ? fuzz::scratch_file("checkpoint.pth", rest) : archive_with_program(rest);
  fuzz::only_input_errors(kTarget, [&] { check(path); });
  return 0;
}
