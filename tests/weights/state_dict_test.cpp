// Loading named tensors into a module: every mismatch is named.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "icma/core/error.hpp"
#include "icma/weights/state_dict.hpp"
#include "test_support.hpp"

namespace {

struct TinyImpl : torch::nn::Module {
  TinyImpl() {
    linear = register_module("linear", torch::nn::Linear(3, 2));
    norm = register_module("norm", torch::nn::BatchNorm1d(2));
  }
  torch::nn::Linear linear{nullptr};
  torch::nn::BatchNorm1d norm{nullptr};
};

TEST(StateDict, RoundTripsParametersAndBuffers) {
  TinyImpl source;
  source.norm->running_mean.fill_(0.25);
  const icma::weights::TensorMap saved = icma::weights::state_dict(source);
  EXPECT_EQ(saved.size(), 7u);  // weight, bias, norm weight/bias/mean/var/count
  TinyImpl target;
  const auto report = icma::weights::load_into(target, saved, "saved");
  EXPECT_TRUE(report.missing.empty());
  EXPECT_TRUE(report.unexpected.empty());
  EXPECT_TRUE(torch::equal(target.linear->weight, source.linear->weight));
  EXPECT_TRUE(torch::equal(target.norm->running_mean, source.norm->running_mean));
}

TEST(StateDict, MismatchesNameTheKey) {
  TinyImpl model;
  icma::weights::TensorMap tensors = icma::weights::state_dict(model);
  tensors["linear.weight"] = torch::zeros({2, 4});
  EXPECT_NE(icma::testing::input_error_message([&] { icma::weights::load_into(model, tensors, "w.pth"); })
                .find("w.pth: weight \"linear.weight\" has shape [2, 4] but the model needs [2, 3]"),
            std::string::npos);

  tensors = icma::weights::state_dict(model);
  tensors.erase("norm.running_var");
  EXPECT_NE(icma::testing::input_error_message([&] { icma::weights::load_into(model, tensors, "w.pth"); })
                .find("missing weights: norm.running_var"),
            std::string::npos);
  EXPECT_EQ(icma::weights::load_into(model, tensors, "w.pth", /*allow_missing=*/true).missing.size(), 1u);

  tensors = icma::weights::state_dict(model);
  tensors["extra.bias"] = torch::zeros({1});
  EXPECT_NE(icma::testing::input_error_message([&] { icma::weights::load_into(model, tensors, "w.pth"); })
                .find("weights the model does not have: extra.bias"),
            std::string::npos);
}

TEST(StateDict, ConvertsDtypes) {
  TinyImpl model;
  icma::weights::TensorMap tensors = icma::weights::state_dict(model);
  tensors["linear.bias"] = torch::tensor({1.5, -2.0}, torch::kBFloat16);
  icma::weights::load_into(model, tensors, "w");
  EXPECT_EQ(model.linear->bias.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::equal(model.linear->bias, torch::tensor({1.5f, -2.0f})));
}

}  // namespace
