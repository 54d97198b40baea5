// torch.save checkpoints written by the real python3-torch
// (tests/reference/make_weights_fixtures.py) read back value for value.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>
#include <string>

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/weights/tensor_file.hpp"
#include "test_support.hpp"

namespace {

using icma::weights::TensorMap;

std::string weights_fixture(const std::string& name) { return icma::testing::fixture_path("weights/" + name); }

// torch's Python names for the dtypes the fixtures use.
std::string python_dtype_name(torch::Dtype dtype) {
  static const std::map<torch::Dtype, std::string> names{
      {torch::kFloat32, "float32"}, {torch::kFloat16, "float16"}, {torch::kBFloat16, "bfloat16"},
      {torch::kFloat64, "float64"}, {torch::kInt64, "int64"},     {torch::kInt32, "int32"},
      {torch::kUInt8, "uint8"},     {torch::kBool, "bool"}};
  return names.at(dtype);
}

void expect_matches_reference(const std::string& file) {
  const nlohmann::json reference = icma::testing::load_json(weights_fixture("weights_reference.json"))["files"][file];
  const TensorMap tensors = icma::weights::read_torch_checkpoint(weights_fixture(file));
  ASSERT_EQ(tensors.size(), reference.size()) << file;
  for (const auto& [name, expected] : reference.items()) {
    SCOPED_TRACE(file + " " + name);
    ASSERT_TRUE(tensors.count(name));
    const torch::Tensor& tensor = tensors.at(name);
    EXPECT_EQ(python_dtype_name(tensor.scalar_type()), expected["dtype"].get<std::string>());
    EXPECT_EQ(tensor.sizes().vec(), expected["shape"].get<std::vector<int64_t>>());
    EXPECT_TRUE(tensor.is_contiguous());
    const torch::Tensor flat = tensor.to(torch::kFloat64).flatten();
    const auto values = expected["values"].get<std::vector<double>>();
    ASSERT_EQ(flat.numel(), static_cast<int64_t>(values.size()));
    for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(flat[i].item<double>(), values[i]) << "element " << i;
  }
}

TEST(TorchCheckpoint, ModuleStateDictWithMetadata) { expect_matches_reference("module.pth"); }
TEST(TorchCheckpoint, DtypesViewsAndSharedStorage) { expect_matches_reference("dtypes.pth"); }
TEST(TorchCheckpoint, NestedUnderModelKey) { expect_matches_reference("nested.pth"); }
TEST(TorchCheckpoint, EmptyAndScalarTensors) { expect_matches_reference("empty.pth"); }

TEST(TorchCheckpoint, ViewsOfOneStorageAreIndependentCopies) {
  TensorMap tensors = icma::weights::read_torch_checkpoint(weights_fixture("dtypes.pth"));
  const float before = tensors.at("shared_b")[1].item<float>();
  tensors.at("shared_a").fill_(-1);
  EXPECT_EQ(tensors.at("shared_b")[1].item<float>(), before);
}

TEST(TorchCheckpoint, RefusesPickledCode) {
  try {
    icma::weights::read_torch_checkpoint(weights_fixture("malicious.pth"));
    FAIL() << "a pickle calling os.system was loaded";
  } catch (const icma::InputError& error) {
    EXPECT_NE(std::string(error.what()).find("refusing to load \"posix.system\""), std::string::npos) << error.what();
  }
}

TEST(TorchCheckpoint, TruncatedArchiveIsAnInputError) {
  const std::string bytes = icma::read_file(weights_fixture("module.pth"));
  const std::string path = icma::testing::temp_dir() + "/truncated.pth";
  icma::testing::write_text(path, bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW(icma::weights::read_torch_checkpoint(path), icma::InputError);
  EXPECT_THROW(icma::weights::read_tensor_file(path), icma::InputError);
}

TEST(TorchCheckpoint, ReadTensorFileTellsFormatsApart) {
  const TensorMap from_pth = icma::weights::read_tensor_file(weights_fixture("module.pth"));
  const std::string path = icma::testing::temp_dir() + "/module.safetensors";
  icma::weights::write_safetensors(path, from_pth);
  const TensorMap from_safetensors = icma::weights::read_tensor_file(path);
  ASSERT_EQ(from_pth.size(), from_safetensors.size());
  for (const auto& [name, tensor] : from_pth) EXPECT_TRUE(torch::equal(tensor, from_safetensors.at(name))) << name;
}

}  // namespace
