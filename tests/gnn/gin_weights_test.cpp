// GIN weight files: our safetensors round trip, Mole-BERT-style key
// prefixes, and the errors for checkpoints that do not fit (each names the
// file and the key).

#include <gtest/gtest.h>

#include <filesystem>

#include "gnn_test_support.hpp"
#include "icma/core/error.hpp"
#include "icma/gnn/gin_inference.hpp"
#include "icma/gnn/gin_weights.hpp"
#include "icma/weights/state_dict.hpp"
#include "icma/weights/tensor_file.hpp"

namespace icma::gnn {
namespace {

class GinWeights : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::temp_dir() + "/weights-" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::create_directories(dir_);
    torch::manual_seed(3);
    encoder_ = GinEncoder(GinConfig{3, 16, 0.0});
    encoder_->eval();
    tensors_ = weights::state_dict(*encoder_);
  }
  std::string write(const weights::TensorMap& tensors, const std::string& name = "gin.safetensors") {
    const std::string path = dir_ + "/" + name;
    weights::write_safetensors(path, tensors);
    return path;
  }
  // The InputError message of loading `path`, or "" when it loads.
  static std::string load_error(const std::string& path, const std::optional<std::string>& prefix = std::nullopt) {
    try {
      load_gin(path, prefix);
    } catch (const InputError& error) {
      return error.what();
    }
    return "";
  }
  std::string dir_;
  GinEncoder encoder_{nullptr};
  weights::TensorMap tensors_;
};

TEST_F(GinWeights, SafetensorsRoundTripGivesTheSameEmbeddings) {
  const std::string path = dir_ + "/saved.safetensors";
  save_gin(*encoder_, path, {{"epochs", "0"}});
  const LoadedGin loaded = load_gin(path);
  EXPECT_EQ(loaded.encoder->config().num_layers, 3);
  EXPECT_EQ(loaded.encoder->config().emb_dim, 16);
  const auto graphs = testing::graphs_of({"CCO", "c1ccccc1O", "[Na+].[Cl-]"});
  const torch::Tensor a = GinInference(*encoder_).embed(testing::pointers(graphs));
  const torch::Tensor b = GinInference(*loaded.encoder).embed(testing::pointers(graphs));
  EXPECT_TRUE(torch::equal(a, b));
}

TEST_F(GinWeights, APrefixIsFoundAndOtherKeysAreIgnored) {
  weights::TensorMap prefixed;
  for (const auto& [name, tensor] : tensors_) prefixed["gnn." + name] = tensor;
  prefixed["linear_pred_atoms.weight"] = torch::zeros({119, 16});  // a pre-training head
  const std::string path = write(prefixed);
  const LoadedGin found = load_gin(path);
  EXPECT_EQ(found.prefix, "gnn.");
  EXPECT_EQ(found.ignored_keys, 1u);
  EXPECT_EQ(load_gin(path, std::string("gnn.")).prefix, "gnn.");
  // A wrong explicit prefix finds nothing.
  EXPECT_NE(load_error(path, std::string("model.")).find("missing weight \"x_embedding1.weight\""), std::string::npos);
}

TEST_F(GinWeights, TwoEncodersInOneFileNeedAChoice) {
  weights::TensorMap two;
  for (const auto& [name, tensor] : tensors_) {
    two["student." + name] = tensor;
    two["teacher." + name] = tensor;
  }
  const std::string message = load_error(write(two));
  EXPECT_NE(message.find("'student.', 'teacher.'"), std::string::npos) << message;
  EXPECT_NE(message.find("--gnn-prefix"), std::string::npos) << message;
}

TEST_F(GinWeights, AMissingKeyIsNamed) {
  tensors_.erase("gnns.1.mlp.0.weight");
  const std::string path = write(tensors_);
  const std::string message = load_error(path);
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("gnns.1.mlp.0.weight"), std::string::npos) << message;
}

TEST_F(GinWeights, AMissingLastLayerIsNamedNotDropped) {
  tensors_.erase("gnns.2.mlp.0.weight");
  EXPECT_NE(load_error(write(tensors_)).find("gnns.2.mlp.0.weight"), std::string::npos);
}

TEST_F(GinWeights, AWrongShapeIsNamed) {
  tensors_["batch_norms.2.running_var"] = torch::ones({15});
  const std::string message = load_error(write(tensors_));
  EXPECT_NE(message.find("batch_norms.2.running_var"), std::string::npos) << message;
  EXPECT_NE(message.find("15"), std::string::npos) << message;
}

TEST_F(GinWeights, AnAtomTableOfAnotherSizeIsRejected) {
  tensors_["x_embedding1.weight"] = torch::zeros({100, 16});
  EXPECT_NE(load_error(write(tensors_)).find("x_embedding1.weight"), std::string::npos);
}

TEST_F(GinWeights, OlderCheckpointsWithoutBatchCountsLoad) {
  for (int layer = 0; layer < 3; ++layer) tensors_.erase("batch_norms." + std::to_string(layer) + ".num_batches_tracked");
  EXPECT_EQ(load_error(write(tensors_)), "");
}

TEST_F(GinWeights, FilesThatAreNoGinSayWhat) {
  const std::string message = load_error(write({{"encoder.layer.0.weight", torch::zeros({2, 2})}}));
  EXPECT_NE(message.find("not a pretrain-gnns/Mole-BERT GIN"), std::string::npos) << message;
  testing::write_text(dir_ + "/garbage.pth", "PK\x03\x04 not really a zip");
  EXPECT_NE(load_error(dir_ + "/garbage.pth"), "");
  EXPECT_NE(load_error(dir_ + "/absent.safetensors"), "");
}

}  // namespace
}  // namespace icma::gnn
