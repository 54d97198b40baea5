#include "dtype_names.hpp"

#include <array>
#include <utility>

#include "icma/core/error.hpp"

namespace icma::weights::detail {
namespace {

struct DtypeName {
  torch::Dtype dtype;
  const char* safetensors;
  const char* storage_class;
};

// Every dtype both formats can hold that LibTorch 1.13 has.
constexpr std::array<DtypeName, 10> kDtypes{{
    {torch::kFloat64, "F64", "DoubleStorage"},
    {torch::kFloat32, "F32", "FloatStorage"},
    {torch::kFloat16, "F16", "HalfStorage"},
    {torch::kBFloat16, "BF16", "BFloat16Storage"},
    {torch::kInt64, "I64", "LongStorage"},
    {torch::kInt32, "I32", "IntStorage"},
    {torch::kInt16, "I16", "ShortStorage"},
    {torch::kInt8, "I8", "CharStorage"},
    {torch::kUInt8, "U8", "ByteStorage"},
    {torch::kBool, "BOOL", "BoolStorage"},
}};

}  // namespace

std::optional<torch::Dtype> dtype_from_safetensors(const std::string& name) {
  for (const DtypeName& entry : kDtypes) {
    if (name == entry.safetensors) return entry.dtype;
  }
  return std::nullopt;
}

std::string safetensors_name(torch::Dtype dtype) {
  for (const DtypeName& entry : kDtypes) {
    if (dtype == entry.dtype) return entry.safetensors;
  }
  throw Error(std::string("safetensors cannot hold dtype ") + c10::toString(dtype));
}

std::optional<torch::Dtype> dtype_from_storage_class(const std::string& name) {
  for (const DtypeName& entry : kDtypes) {
    if (name == entry.storage_class) return entry.dtype;
  }
  return std::nullopt;
}

}  // namespace icma::weights::detail
