// The sentence encoders against the reference of
// tests/reference/sentence_reference.py (transformers' BertModel /
// RobertaModel and sentence-transformers' encode, in plain python3-torch, on
// token ids from Hugging Face tokenizers): a tiny random BERT (safetensors,
// mean pooling, Normalize) and a tiny random RoBERTa (torch.save with the
// "roberta." prefix, mean pooling, do_lower_case), on 200 ChEBI-20 test
// captions, most cut at max_seq_length, plus empty and hand-written ones.

#include <gtest/gtest.h>

#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <iostream>

#include "icma/sentence/caption_embedder.hpp"
#include "icma/sentence/sentence_model.hpp"
#include "sentence_test_support.hpp"

namespace icma::sentence {
namespace {

using testing::sentence_expected;

std::vector<std::string> expected_texts(const nlohmann::json& rows) {
  std::vector<std::string> texts;
  for (const auto& text : rows) texts.push_back(text.get<std::string>());
  return texts;
}

class SentenceReference : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { at::set_num_threads(1); }
  const nlohmann::json& expected() const { return sentence_expected().at("models").at(GetParam()); }
  std::string dir() const { return testing::sentence_model_dir(GetParam()); }
};

TEST_P(SentenceReference, TokenIdsAreThoseOfHuggingFaceTokenizers) {
  const auto model = SentenceModel::load(dir());
  const std::vector<std::string> texts = expected_texts(sentence_expected().at("texts"));
  std::size_t truncated = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto want = expected().at("ids")[i].get<std::vector<std::uint32_t>>();
    EXPECT_EQ(model->token_ids(texts[i]), want) << GetParam() << " text " << i << ": " << texts[i];
    truncated += want.size() == model->max_seq_length();
  }
  EXPECT_EQ(model->max_seq_length(), expected().at("max_seq_length").get<std::size_t>());
  EXPECT_GT(truncated, texts.size() / 2);  // most captions are cut at max_seq_length
}

TEST_P(SentenceReference, EmbeddingsEqualTheReference) {
  const auto model = SentenceModel::load(dir());
  const std::vector<std::string> texts = expected_texts(sentence_expected().at("texts"));
  const torch::Tensor embeddings = model->encode(texts).contiguous();
  ASSERT_EQ(embeddings.size(0), static_cast<std::int64_t>(texts.size()));
  const double diff = testing::max_abs_diff(embeddings.data_ptr<float>(), model->dimension(), expected().at("embeddings"));
  std::cout << GetParam() << ": max |ours - reference| over " << texts.size() << " texts = " << diff << std::endl;
  RecordProperty("max_abs_diff", std::to_string(diff));
  EXPECT_LT(diff, 1e-5);
}

TEST_P(SentenceReference, EmbeddingsOnCudaEqualTheReference) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const auto model = SentenceModel::load(dir(), torch::Device(torch::kCUDA));
  EXPECT_TRUE(model->encoder().device().is_cuda());
  const std::vector<std::string> texts = expected_texts(sentence_expected().at("texts"));
  const torch::Tensor embeddings = model->encode(texts).contiguous();
  ASSERT_TRUE(embeddings.device().is_cpu());
  const double diff = testing::max_abs_diff(embeddings.data_ptr<float>(), model->dimension(), expected().at("embeddings"));
  std::cout << GetParam() << " on CUDA: max |ours - reference| over " << texts.size() << " texts = " << diff << std::endl;
  EXPECT_LT(diff, 1e-5);
}

TEST_P(SentenceReference, BatchSizeAndThreadsDoNotChangeEmbeddings) {
  const auto model = SentenceModel::load(dir());
  const std::vector<std::string> texts = expected_texts(sentence_expected().at("texts"));
  EncodeOptions one;
  one.batch_size = 1;
  EncodeOptions many;
  many.batch_size = 64;
  many.threads = 3;
  const torch::Tensor a = model->encode(texts, one);
  at::set_num_threads(3);  // three batches side by side
  const torch::Tensor b = model->encode(texts, many);
  at::set_num_threads(1);
  EXPECT_LT((a - b).abs().max().item<double>(), 1e-5);
}

TEST_P(SentenceReference, OtherPoolingModesEqualTheReference) {
  const nlohmann::json& variants = expected().at("variants");
  std::vector<std::string> texts;
  for (const auto& row : sentence_expected().at("variant_rows")) {
    texts.push_back(sentence_expected().at("texts")[row.get<std::size_t>()]);
  }
  const std::string copy = testing::copy_sentence_model(GetParam(), GetParam() + "-pooling");
  for (const auto& [name, rows] : variants.items()) {
    // The pooling config sentence-transformers writes for these modes.
    nlohmann::json config = {{"word_embedding_dimension", 32}};
    for (const char* key : {"pooling_mode_cls_token", "pooling_mode_mean_tokens", "pooling_mode_max_tokens",
                            "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens",
                            "pooling_mode_lasttoken"}) {
      config[key] = false;
    }
    const std::map<std::string, std::vector<std::string>> keys = {
        {"cls", {"pooling_mode_cls_token"}},
        {"max", {"pooling_mode_max_tokens"}},
        {"mean_sqrt_len_tokens", {"pooling_mode_mean_sqrt_len_tokens"}},
        {"weightedmean", {"pooling_mode_weightedmean_tokens"}},
        {"lasttoken", {"pooling_mode_lasttoken"}},
        {"cls+mean", {"pooling_mode_cls_token", "pooling_mode_mean_tokens"}}};
    ASSERT_TRUE(keys.count(name)) << name;
    for (const std::string& key : keys.at(name)) config[key] = true;
    testing::write_json_file(copy + "/1_Pooling/config.json", config);
    const auto model = SentenceModel::load(copy);
    EXPECT_EQ(model->pooling().describe(), name == "mean_sqrt_len_tokens" ? "mean_sqrt_len_tokens" : name);
    const torch::Tensor embeddings = model->encode(texts).contiguous();
    const double diff = testing::max_abs_diff(embeddings.data_ptr<float>(), model->dimension(), rows);
    std::cout << GetParam() << " pooling " << name << ": max |ours - reference| = " << diff << std::endl;
    EXPECT_LT(diff, 1e-5) << name;
  }
}

// Cosine top-10 over the 3,301 ChEBI-20 validation captions, for 50 test
// captions, as the reference ranks them (ties aside).
TEST_P(SentenceReference, NeighboursAreTheReferences) {
  const testing::Captions corpus = testing::chebi20_captions("validation");
  if (corpus.ids.empty()) GTEST_SKIP() << "no ChEBI-20 data under " << testing::shared_dir();
  const testing::Captions queries = testing::chebi20_captions("test", sentence_expected().at("queries").size());
  const CaptionEmbedder embedder(dir(), 1);
  const data::EmbeddingRows corpus_rows = embedder.embed(corpus.texts);
  const data::EmbeddingRows query_rows = embedder.embed(queries.texts);
  std::size_t agreeing = 0, compared = 0;
  double worst_score = 0.0;
  for (std::size_t q = 0; q < queries.ids.size(); ++q) {
    std::vector<std::pair<float, std::size_t>> scored;
    for (std::size_t row = 0; row < corpus.ids.size(); ++row) {
      float dot = 0.0f;
      for (std::size_t j = 0; j < corpus_rows.dim; ++j) dot += query_rows.row(q)[j] * corpus_rows.row(row)[j];
      scored.emplace_back(dot, row);
    }
    std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    const nlohmann::json& reference = expected().at("neighbours")[q];
    std::vector<std::string> got;
    for (std::size_t rank = 0; rank < 10; ++rank) {
      got.push_back(corpus.ids[scored[rank].second]);
      worst_score = std::max(worst_score, std::abs(scored[rank].first - reference[rank][1].get<double>()));
      agreeing += got.back() == reference[rank][0].get<std::string>();
      ++compared;
    }
    EXPECT_EQ(testing::compare_neighbours(got, reference, 1e-6), "") << GetParam() << " query " << queries.ids[q];
  }
  std::cout << GetParam() << ": top-10 ids identical at " << agreeing << " of " << compared
            << " ranks (the rest within 1e-6 ties); max |score - reference| = " << worst_score << std::endl;
  EXPECT_LT(worst_score, 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, SentenceReference, ::testing::ValuesIn(testing::kSentenceModels),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace icma::sentence
