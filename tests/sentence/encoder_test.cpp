// The encoder's weights: which checkpoint names it reads, ignores and
// refuses; and its limits.

#include <gtest/gtest.h>

#include "icma/core/error.hpp"
#include "icma/sentence/encoder.hpp"
#include "icma/weights/tensor_file.hpp"
#include "sentence_test_support.hpp"

namespace icma::sentence {
namespace {

using testing::input_error_message;

const std::string kRoberta = "roberta-mean";

weights::TensorMap roberta_checkpoint() {
  return weights::read_tensor_file(testing::sentence_model_dir(kRoberta) + "/pytorch_model.bin");
}

TEST(EncoderWeights, PrefixesPoolerAndBuffersAreSetAside) {
  const EncoderConfig config = EncoderConfig::load(testing::sentence_model_dir(kRoberta));
  std::vector<std::string> dropped;
  const weights::TensorMap tensors = normalise_encoder_weights(config, roberta_checkpoint(), dropped);
  EXPECT_EQ(tensors.size(), config.weight_specs().size());
  EXPECT_TRUE(tensors.count("embeddings.word_embeddings.weight"));
  const std::vector<std::string> expected = {"lm_head.bias", "lm_head.dense.weight", "roberta.embeddings.position_ids",
                                             "roberta.pooler.dense.bias", "roberta.pooler.dense.weight"};
  EXPECT_EQ(dropped, expected);
}

TEST(EncoderWeights, OldLayerNormNamesAreRead) {
  const EncoderConfig config = EncoderConfig::load(testing::sentence_model_dir(kRoberta));
  weights::TensorMap tensors = roberta_checkpoint();
  for (const char* suffix : {"weight", "bias"}) {
    const std::string name = std::string("roberta.embeddings.LayerNorm.") + suffix;
    tensors[std::string("roberta.embeddings.LayerNorm.") + (std::string(suffix) == "weight" ? "gamma" : "beta")] =
        tensors.at(name);
    tensors.erase(name);
  }
  std::vector<std::string> dropped;
  const weights::TensorMap named = normalise_encoder_weights(config, tensors, dropped);
  EXPECT_TRUE(named.count("embeddings.LayerNorm.weight") && named.count("embeddings.LayerNorm.bias"));
  EXPECT_NO_THROW(TransformerEncoder::from_tensors(config, named, "checkpoint"));
}

TEST(EncoderWeights, ExtraAndMissingWeightsAreNamed) {
  const EncoderConfig config = EncoderConfig::load(testing::sentence_model_dir(kRoberta));
  std::vector<std::string> dropped;
  weights::TensorMap tensors = normalise_encoder_weights(config, roberta_checkpoint(), dropped);
  tensors["encoder.layer.0.attention.self.rotary.weight"] = torch::zeros({4});
  EXPECT_EQ(input_error_message([&] { TransformerEncoder::from_tensors(config, tensors, "file.bin"); }),
            "file.bin: weights the model does not have: encoder.layer.0.attention.self.rotary.weight");
  tensors.erase("encoder.layer.0.attention.self.rotary.weight");
  tensors.erase("encoder.layer.1.output.dense.bias");
  EXPECT_EQ(input_error_message([&] { TransformerEncoder::from_tensors(config, tensors, "file.bin"); }),
            "file.bin: missing weights: encoder.layer.1.output.dense.bias");
}

TEST(Encoder, SequencesLongerThanThePositionTableAreRefused) {
  const auto encoder = TransformerEncoder::load(testing::sentence_model_dir(kRoberta));
  const torch::Tensor ids = torch::full({1, 41}, 5, torch::kInt64);
  EXPECT_EQ(input_error_message([&] { encoder->forward(ids, torch::ones_like(ids)); }),
            "a sequence of 41 tokens is longer than the encoder's 40 positions");
  const torch::Tensor fits = torch::full({2, 40}, 5, torch::kInt64);
  EXPECT_EQ(encoder->forward(fits, torch::ones_like(fits)).sizes(), (std::vector<std::int64_t>{2, 40, 32}));
}

TEST(Encoder, PaddingChangesNothingForRealTokens) {
  for (const std::string& name : testing::kSentenceModels) {
    const auto encoder = TransformerEncoder::load(testing::sentence_model_dir(name));
    const std::int64_t pad = encoder->config().pad_token_id;
    const torch::Tensor ids = torch::tensor(std::vector<std::int64_t>{7, 300, 42, 9}).view({1, 4});
    const torch::Tensor alone = encoder->forward(ids, torch::ones_like(ids));
    const torch::Tensor padded_ids = torch::tensor(std::vector<std::int64_t>{7, 300, 42, 9, pad, pad, pad}).view({1, 7});
    const torch::Tensor mask = torch::tensor(std::vector<std::int64_t>{1, 1, 1, 1, 0, 0, 0}).view({1, 7});
    const torch::Tensor padded = encoder->forward(padded_ids, mask).narrow(1, 0, 4);
    EXPECT_LT((alone - padded).abs().max().item<double>(), 1e-6) << name;
  }
}

}  // namespace
}  // namespace icma::sentence
