// Reading sentence-transformers directories: what each file decides, and the
// one-line errors (file and key) for directories that do not fit.

#include <gtest/gtest.h>

#include <ATen/Parallel.h>

#include "icma/core/error.hpp"
#include "icma/sentence/sentence_model.hpp"
#include "sentence_test_support.hpp"

namespace icma::sentence {
namespace {

using testing::copy_sentence_model;
using testing::input_error_message;
using testing::write_json_file;

nlohmann::json read_json(const std::string& path) { return testing::load_json(path); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(SentenceModel, ReadsWhatTheDirectorySays) {
  const auto bert = SentenceModel::load(testing::sentence_model_dir("bert-mean-normalize"));
  EXPECT_EQ(bert->encoder().config().model_type, "bert");
  EXPECT_EQ(bert->max_seq_length(), 64u);
  EXPECT_FALSE(bert->do_lower_case());
  EXPECT_TRUE(bert->layout().normalize);
  EXPECT_EQ(bert->pooling().describe(), "mean");
  EXPECT_EQ(bert->dimension(), 32);
  EXPECT_EQ(bert->layout().weights.filename(), "model.safetensors");

  const auto roberta = SentenceModel::load(testing::sentence_model_dir("roberta-mean"));
  EXPECT_EQ(roberta->encoder().config().model_type, "roberta");
  EXPECT_TRUE(roberta->encoder().config().positions_after_padding);
  EXPECT_DOUBLE_EQ(roberta->encoder().config().layer_norm_eps, 1e-5);
  EXPECT_TRUE(roberta->do_lower_case());
  EXPECT_FALSE(roberta->layout().normalize);
  EXPECT_EQ(roberta->layout().weights.filename(), "pytorch_model.bin");
  // The position table (42 rows, padding at 1) serves 40 tokens.
  EXPECT_EQ(roberta->encoder().config().max_sequence_length(), 40);
}

TEST(SentenceModel, NormalizeGivesUnitVectorsAndOnlyThen) {
  const std::vector<std::string> texts = {"The molecule is an alcohol.", ""};
  const torch::Tensor bert = SentenceModel::load(testing::sentence_model_dir("bert-mean-normalize"))->encode(texts);
  EXPECT_NEAR(bert.norm(2, 1).sub(1).abs().max().item<double>(), 0.0, 1e-6);
  const torch::Tensor roberta = SentenceModel::load(testing::sentence_model_dir("roberta-mean"))->encode(texts);
  EXPECT_GT(roberta.norm(2, 1).sub(1).abs().max().item<double>(), 1e-3);
}

TEST(SentenceModel, TheFingerprintCoversWeightsConfigAndTokenizer) {
  const SentenceModelLayout layout = SentenceModelLayout::read(testing::sentence_model_dir("roberta-mean"));
  const std::vector<std::string> files = {"modules.json", "1_Pooling/config.json", "sentence_bert_config.json",
                                          "config.json", "pytorch_model.bin", "tokenizer.json",
                                          "tokenizer_config.json", "special_tokens_map.json"};
  EXPECT_EQ(layout.files, files);
  const nlohmann::json fingerprint = fingerprint_model_files(layout);
  EXPECT_EQ(fingerprint.at("files").size(), files.size());
  EXPECT_EQ(fingerprint.at("sha256").get<std::string>().size(), 64u);

  const std::string copy = copy_sentence_model("roberta-mean", "fingerprint");
  auto config = read_json(copy + "/sentence_bert_config.json");
  config["max_seq_length"] = 20;
  write_json_file(copy + "/sentence_bert_config.json", config);
  EXPECT_NE(fingerprint_model_files(SentenceModelLayout::read(copy)).at("sha256"), fingerprint.at("sha256"));
}

TEST(SentenceModel, WithoutModulesJsonItIsTheEncoderWithMeanPooling) {
  const std::string copy = copy_sentence_model("bert-mean-normalize", "no-modules");
  std::filesystem::remove(copy + "/modules.json");
  std::filesystem::remove_all(copy + "/1_Pooling");
  const auto plain = SentenceModel::load(copy);
  EXPECT_FALSE(plain->layout().normalize);
  EXPECT_EQ(plain->pooling().describe(), "mean");
  // Mean pooling without Normalize: the fixture's embeddings up to their length.
  const std::vector<std::string> texts = {"The molecule is an alcohol.", "Ethanol"};
  const torch::Tensor raw = plain->encode(texts);
  const torch::Tensor normalised = SentenceModel::load(testing::sentence_model_dir("bert-mean-normalize"))->encode(texts);
  EXPECT_LT((raw / raw.norm(2, 1, true) - normalised).abs().max().item<double>(), 1e-6);
}

TEST(SentenceModel, MaxSeqLengthDefaultsToTheSmallerLimit) {
  const std::string copy = copy_sentence_model("bert-mean-normalize", "no-max-length");
  write_json_file(copy + "/sentence_bert_config.json", {{"do_lower_case", false}});
  EXPECT_EQ(SentenceModel::load(copy)->max_seq_length(), 64u);  // positions 64 < tokenizer's 512
  auto tokenizer_config = read_json(copy + "/tokenizer_config.json");
  tokenizer_config["model_max_length"] = 16;
  write_json_file(copy + "/tokenizer_config.json", tokenizer_config);
  EXPECT_EQ(SentenceModel::load(copy)->max_seq_length(), 16u);
}

TEST(SentenceModel, EmptyAndBlankTextsAreTheSpecialTokensAlone) {
  const auto bert = SentenceModel::load(testing::sentence_model_dir("bert-mean-normalize"));
  EXPECT_EQ(bert->token_ids(""), (std::vector<std::uint32_t>{102, 103}));
  EXPECT_EQ(bert->token_ids(" \t\n\u00a0\u3000"), (std::vector<std::uint32_t>{102, 103}));
  const auto roberta = SentenceModel::load(testing::sentence_model_dir("roberta-mean"));
  EXPECT_EQ(roberta->token_ids("  "), (std::vector<std::uint32_t>{0, 2}));
  EXPECT_EQ(roberta->encode({""}).size(0), 1);
}

TEST(SentenceModel, PythonStripRemovesWhatStrIsspaceCalls) {
  EXPECT_EQ(python_strip(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f a b \u0085\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000"),
            "a b");
  EXPECT_EQ(python_strip("\u200bzero width\u200b"), "\u200bzero width\u200b");  // not white space to Python
  EXPECT_EQ(python_strip(""), "");
}

// ---- directories that do not fit ------------------------------------------------

std::string load_error(const std::string& dir) {
  return input_error_message([&] { SentenceModel::load(dir); });
}

TEST(SentenceModelErrors, MissingPoolingConfig) {
  const std::string copy = copy_sentence_model("bert-mean-normalize", "missing-pooling");
  std::filesystem::remove(copy + "/1_Pooling/config.json");
  const std::string error = load_error(copy);
  EXPECT_TRUE(contains(error, copy + "/1_Pooling/config.json: missing")) << error;
}

TEST(SentenceModelErrors, UnknownPoolingModes) {
  const std::string copy = copy_sentence_model("bert-mean-normalize", "unknown-pooling");
  auto config = read_json(copy + "/1_Pooling/config.json");
  config["pooling_mode_median_tokens"] = true;
  write_json_file(copy + "/1_Pooling/config.json", config);
  EXPECT_EQ(load_error(copy), copy + "/1_Pooling/config.json: \"pooling_mode_median_tokens\" is not a pooling setting "
                                     "sentence-transformers knows (an unknown pooling mode?)");

  write_json_file(copy + "/1_Pooling/config.json", {{"word_embedding_dimension", 32}, {"pooling_mode", "median"}});
  EXPECT_TRUE(contains(load_error(copy), "\"pooling_mode\" is \"median\"")) << load_error(copy);

  write_json_file(copy + "/1_Pooling/config.json",
                  {{"word_embedding_dimension", 32}, {"pooling_mode_mean_tokens", false}});
  EXPECT_TRUE(contains(load_error(copy), "no pooling")) << load_error(copy);

  write_json_file(copy + "/1_Pooling/config.json", {{"word_embedding_dimension", 48}});
  EXPECT_TRUE(contains(load_error(copy), "\"word_embedding_dimension\" is 48 but the encoder's hidden_size is 32"))
      << load_error(copy);
}

TEST(SentenceModelErrors, MissingOrUnsupportedModules) {
  const std::string copy = copy_sentence_model("bert-mean-normalize", "bad-modules");
  const std::string modules = copy + "/modules.json";
  auto entries = read_json(modules);
  write_json_file(modules, nlohmann::json::array({entries[0]}));
  EXPECT_EQ(load_error(copy),
            modules + ": [1] must be the sentence_transformers.models.Pooling entry (after the Transformer)");

  write_json_file(modules, nlohmann::json::array({entries[1], entries[0]}));
  EXPECT_EQ(load_error(copy), modules + ": [0] must be the sentence_transformers.models.Transformer entry");

  auto dense = entries;
  dense[2] = {{"idx", 2}, {"name", "2"}, {"path", "2_Dense"}, {"type", "sentence_transformers.models.Dense"}};
  write_json_file(modules, dense);
  EXPECT_TRUE(contains(load_error(copy), "[2].type is \"sentence_transformers.models.Dense\", which icma does not run"))
      << load_error(copy);

  auto no_path = entries;
  no_path[1].erase("path");
  write_json_file(modules, no_path);
  EXPECT_EQ(load_error(copy), modules + ": [1].path is missing or not a string");
}

TEST(SentenceModelErrors, WeightsThatDoNotFit) {
  // Shapes: a config that asks for more hidden units than the weights have.
  const std::string copy = copy_sentence_model("roberta-mean", "bad-shapes");
  auto config = read_json(copy + "/config.json");
  config["intermediate_size"] = 48;
  write_json_file(copy + "/config.json", config);
  EXPECT_EQ(load_error(copy), copy + "/pytorch_model.bin: weight \"encoder.layer.0.intermediate.dense.weight\" has "
                                     "shape [64, 32] but the model needs [48, 32]");

  // Missing layers: more layers in the config than in the weights.
  config = read_json(testing::sentence_model_dir("roberta-mean") + "/config.json");
  config["num_hidden_layers"] = 3;
  write_json_file(copy + "/config.json", config);
  const std::string missing = load_error(copy);
  EXPECT_TRUE(contains(missing, copy + "/pytorch_model.bin: missing weights: encoder.layer.2.")) << missing;
}

TEST(SentenceModelErrors, ConfigKeys) {
  const std::string copy = copy_sentence_model("bert-mean-normalize", "bad-config");
  const auto original = read_json(copy + "/config.json");
  auto config = original;
  config["model_type"] = "gpt2";
  write_json_file(copy + "/config.json", config);
  EXPECT_TRUE(contains(load_error(copy), copy + "/config.json: \"model_type\" is \"gpt2\"")) << load_error(copy);

  config = original;
  config["num_attention_heads"] = 5;
  write_json_file(copy + "/config.json", config);
  EXPECT_TRUE(contains(load_error(copy), "\"num_attention_heads\" (5) must divide hidden_size (32)")) << load_error(copy);

  config = original;
  config["position_embedding_type"] = "relative_key";
  write_json_file(copy + "/config.json", config);
  EXPECT_TRUE(contains(load_error(copy), "\"position_embedding_type\" is \"relative_key\"")) << load_error(copy);

  config = original;
  config.erase("hidden_size");
  write_json_file(copy + "/config.json", config);
  EXPECT_EQ(load_error(copy), copy + "/config.json: \"hidden_size\" is missing");

  write_json_file(copy + "/config.json", original);
  write_json_file(copy + "/sentence_bert_config.json", {{"max_seq_length", 1}});
  EXPECT_TRUE(contains(load_error(copy), "leaves no room for the 2 special tokens")) << load_error(copy);
}

TEST(SentenceModelErrors, MissingFiles) {
  const std::string copy = copy_sentence_model("bert-mean-normalize", "missing-files");
  std::filesystem::remove(copy + "/tokenizer.json");
  EXPECT_TRUE(contains(load_error(copy), "no tokenizer.json")) << load_error(copy);
  std::filesystem::remove(copy + "/model.safetensors");
  EXPECT_EQ(load_error(copy), copy + ": no encoder weights (looked for model.safetensors and pytorch_model.bin)");
  EXPECT_EQ(load_error(copy + "/nowhere"), copy + "/nowhere: not a model directory");
}

}  // namespace
}  // namespace icma::sentence
