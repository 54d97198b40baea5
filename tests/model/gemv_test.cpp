// The batch-1 matrix-vector kernel equals LibTorch's product (float32
// rounding aside) for every shape its vector loop and tails can meet.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "../../src/model/gemv.hpp"

namespace {

TEST(FastGemv, EqualsTorchMvForAllTails) {
  if (!icma::model::detail::fast_gemv_available()) GTEST_SKIP() << "no AVX2/FMA on this CPU";
  torch::manual_seed(5);
  for (int64_t out : {1, 3, 4, 5, 257, 1031}) {
    for (int64_t in : {1, 7, 8, 9, 64, 771}) {
      const torch::Tensor w = torch::randn({out, in});
      const torch::Tensor x = torch::randn({in});
      const torch::Tensor b = torch::randn({out});
      const torch::Tensor want = torch::mv(w.to(torch::kFloat64), x.to(torch::kFloat64)) + b.to(torch::kFloat64);
      const torch::Tensor got = icma::model::detail::fast_gemv(w, x, b).to(torch::kFloat64);
      EXPECT_TRUE(torch::allclose(got, want, 1e-5, 1e-4)) << out << "x" << in << ": " << (got - want).abs().max().item<double>();
      const torch::Tensor no_bias = icma::model::detail::fast_gemv(w, x, {}).to(torch::kFloat64);
      EXPECT_TRUE(torch::allclose(no_bias, want - b.to(torch::kFloat64), 1e-5, 1e-4));
    }
  }
}

}  // namespace
