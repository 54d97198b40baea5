// safetensors: round trips, the byte layout of the format, and every way a
// header can lie about the data.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/weights/tensor_file.hpp"
#include "test_support.hpp"

namespace {

using icma::weights::TensorMap;

// A file made by hand: the size field, the JSON header, then the data.
std::string safetensors_bytes(const std::string& header, const std::string& data) {
  std::string bytes(8, '\0');
  uint64_t size = header.size();
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((size >> (8 * i)) & 0xff);
  return bytes + header + data;
}

std::string write_bytes(const std::string& name, const std::string& bytes) {
  const std::string path = icma::testing::temp_dir() + "/" + name;
  icma::testing::write_text(path, bytes);
  return path;
}

std::string error_of(const std::string& path) {
  try {
    icma::weights::read_safetensors(path);
  } catch (const icma::InputError& error) {
    return error.what();
  }
  return "no error";
}

TEST(Safetensors, RoundTripKeepsDtypesShapesValuesAndMetadata) {
  torch::manual_seed(3);
  TensorMap tensors{{"a.weight", torch::randn({3, 5})},
                    {"b.half", torch::randn({4}).to(torch::kHalf)},
                    {"b.bf16", torch::randn({2, 2}).to(torch::kBFloat16)},
                    {"c.ids", torch::arange(7, torch::kInt64)},
                    {"d.flags", torch::tensor({true, false})},
                    {"e.empty", torch::zeros({0, 3})},
                    {"f.scalar", torch::tensor(1.5)},
                    {"g.transposed", torch::randn({3, 2}).t()}};
  const std::string path = icma::testing::temp_dir() + "/round.safetensors";
  icma::weights::write_safetensors(path, tensors, {{"format", "pt"}});
  const TensorMap read = icma::weights::read_safetensors(path);
  ASSERT_EQ(read.size(), tensors.size());
  for (const auto& [name, tensor] : tensors) {
    ASSERT_TRUE(read.count(name)) << name;
    EXPECT_EQ(read.at(name).scalar_type(), tensor.scalar_type()) << name;
    EXPECT_TRUE(torch::equal(read.at(name), tensor)) << name;
  }
  const std::string bytes = icma::read_file(path);
  EXPECT_NE(bytes.find("\"__metadata__\":{\"format\":\"pt\"}"), std::string::npos);
}

TEST(Safetensors, LayoutIsTheFormatsLittleEndianHeaderThenAlignedData) {
  const std::string path = icma::testing::temp_dir() + "/layout.safetensors";
  icma::weights::write_safetensors(path, {{"x", torch::tensor({1.0f, 2.0f})}});
  const std::string bytes = icma::read_file(path);
  uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | static_cast<unsigned char>(bytes[i]);
  EXPECT_EQ(header_size % 8, 0u);
  EXPECT_EQ(bytes.substr(8, header_size).find("{\"x\":{\"data_offsets\":[0,8],\"dtype\":\"F32\",\"shape\":[2]}}"), 0u);
  ASSERT_EQ(bytes.size(), 8 + header_size + 8);
  float values[2];
  std::memcpy(values, bytes.data() + 8 + header_size, 8);
  EXPECT_EQ(values[0], 1.0f);
  EXPECT_EQ(values[1], 2.0f);
}

TEST(Safetensors, ReadsAHandWrittenFile) {
  const std::string data("\x01\x00\x02\x00\x03\x00", 6);
  const std::string path = write_bytes(
      "hand.safetensors",
      safetensors_bytes(R"({"__metadata__":{"k":"v"},"t":{"dtype":"I16","shape":[3],"data_offsets":[0,6]}})", data));
  const TensorMap read = icma::weights::read_safetensors(path);
  EXPECT_TRUE(torch::equal(read.at("t"), torch::tensor({1, 2, 3}, torch::kInt16)));
}

TEST(Safetensors, WritingToAReadTensorNeverChangesTheFile) {
  const std::string path = icma::testing::temp_dir() + "/cow.safetensors";
  icma::weights::write_safetensors(path, {{"x", torch::ones({4})}});
  const std::string before = icma::read_file(path);
  {
    TensorMap read = icma::weights::read_safetensors(path);
    read.at("x").fill_(7);
  }
  EXPECT_EQ(icma::read_file(path), before);
}

TEST(Safetensors, CorruptHeadersAreInputErrorsThatSayWhy) {
  const std::string four_floats(16, '\0');
  struct Case {
    const char* name;
    std::string bytes;
    const char* expected;
  } cases[] = {
      {"short", std::string("\x05\x00", 2), "shorter than its 8-byte header size"},
      {"huge_header", safetensors_bytes("{}", "").replace(0, 8, std::string("\xff\xff\xff\xff\x00\x00\x00\x00", 8)),
       "does not fit the file"},
      {"not_json", safetensors_bytes("{nope", ""), "not valid JSON"},
      {"not_object", safetensors_bytes("[1]", ""), "not a JSON object"},
      {"bad_dtype", safetensors_bytes(R"({"t":{"dtype":"F8","shape":[1],"data_offsets":[0,1]}})", "x"),
       "unsupported dtype \"F8\""},
      {"no_shape", safetensors_bytes(R"({"t":{"dtype":"F32","data_offsets":[0,4]}})", "abcd"), "missing \"shape\""},
      {"negative_dim", safetensors_bytes(R"({"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "abcd"),
       "non-negative integer"},
      {"truncated", safetensors_bytes(R"({"t":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", "abcd"),
       "truncated file?"},
      {"wrong_span", safetensors_bytes(R"({"t":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", four_floats),
       "shape and dtype need 12"},
      {"reversed", safetensors_bytes(R"({"t":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", four_floats),
       "begin after they end"},
      {"overlap", safetensors_bytes(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},)"
                                    R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
                                    four_floats),
       "overlap"},
      {"bad_metadata", safetensors_bytes(R"({"__metadata__":[1]})", ""), "\"__metadata__\" is not a JSON object"},
  };
  for (const Case& test_case : cases) {
    const std::string message = error_of(write_bytes(std::string(test_case.name) + ".safetensors", test_case.bytes));
    EXPECT_NE(message.find(test_case.expected), std::string::npos) << test_case.name << ": " << message;
  }
  EXPECT_NE(error_of(icma::testing::temp_dir() + "/missing.safetensors").find("cannot open"), std::string::npos);
}

}  // namespace
