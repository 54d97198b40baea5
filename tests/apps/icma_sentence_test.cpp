// icma-index build --sentence and icma-retrieve --method sentence end to end:
// ChEBI-20's 3,301 validation captions indexed with the tiny BERT of
// tests/fixtures/sentence, 50 test captions as Cap2Mol queries, neighbours
// equal to those of tests/reference/sentence_reference.py (ties aside); and
// the one-line errors (exit 2, file and key) for model directories that do
// not fit.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "icma/core/atomic_file.hpp"
#include "icma/data/neighbour_file.hpp"
#include "../sentence/sentence_test_support.hpp"

namespace icma {
namespace {

using testing::CommandResult;

const std::string kModel = "bert-mean-normalize";

// An index of `corpus_rows` validation rows (all when 0) with the fixture
// BERT, and the reference's queries; one per suite, as ctest runs each test
// in its own process.
class SentenceIndex : public ::testing::Test {
 protected:
  static void build(const std::string& name, std::size_t corpus_rows) {
    dir_ = new std::string(testing::temp_dir() + "/" + name);
    std::filesystem::remove_all(*dir_);
    std::filesystem::create_directories(*dir_);
    if (!testing::file_exists(validation())) return;
    // The queries: the reference's, the first rows of the test split.
    testing::write_text(queries_file(), head(testing::shared_dir() + "/data/chebi20/test.txt",
                                             testing::sentence_expected().at("queries").size()));
    std::string corpus = validation();
    if (corpus_rows > 0) {
      corpus = *dir_ + "/corpus.tsv";
      testing::write_text(corpus, head(validation(), corpus_rows));
    }
    model_ = new std::string(testing::copy_sentence_model(kModel, name + "-model"));
    const CommandResult built = testing::run_command(
        "icma-index", "build --corpus " + corpus + " --out " + index() + " --fingerprints maccs --sentence " + *model_ +
                          " --threads 2");
    ASSERT_EQ(built.exit_code, 0) << built.output;
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete model_;
    dir_ = model_ = nullptr;
  }
  void SetUp() override {
    if (!testing::file_exists(validation())) GTEST_SKIP() << "no ChEBI-20 data under " << testing::shared_dir();
  }

  // The header and the first `rows` rows of a TSV.
  static std::string head(const std::string& path, std::size_t rows) {
    std::istringstream in(read_file(path));
    std::string out, line;
    for (std::size_t i = 0; i <= rows && std::getline(in, line); ++i) out += line + "\n";
    return out;
  }
  static std::string validation() { return testing::shared_dir() + "/data/chebi20/validation.txt"; }
  static std::string queries_file() { return *dir_ + "/queries.tsv"; }
  static std::string index() { return *dir_ + "/index"; }
  static CommandResult retrieve(const std::string& arguments) {
    return testing::run_command("icma-retrieve",
                                "--index " + index() + " --queries " + queries_file() + " --log-level error " + arguments);
  }
  static std::string* dir_;
  static std::string* model_;
};
std::string* SentenceIndex::dir_ = nullptr;
std::string* SentenceIndex::model_ = nullptr;

// The whole validation split, for the reference's neighbours.
class SentenceNeighbours : public SentenceIndex {
 protected:
  static void SetUpTestSuite() { build("sentence-neighbours", 0); }
};

// 60 rows, for the rest.
class SentenceCommands : public SentenceIndex {
 protected:
  static void SetUpTestSuite() { build("sentence-commands", 60); }
};

TEST_F(SentenceCommands, TheManifestRecordsTheModel) {
  const CommandResult info = testing::run_command("icma-index", "info " + index());
  ASSERT_EQ(info.exit_code, 0) << info.output;
  const nlohmann::json section = nlohmann::json::parse(info.output).at("sentence");
  EXPECT_EQ(section.at("file"), "sentence.emb");
  EXPECT_EQ(section.at("dim"), 32);
  EXPECT_EQ(section.at("pooling"), "mean");
  EXPECT_EQ(section.at("normalize"), true);
  EXPECT_EQ(section.at("max_seq_length"), 64);
  EXPECT_EQ(section.at("model").at("path"), *model_);
  EXPECT_EQ(section.at("model").at("files").size(), 8u);
  EXPECT_EQ(section.at("rows_without_embedding").at("count"), 0);
}

TEST_F(SentenceNeighbours, CaptionQueriesFindTheReferenceNeighbours) {
  const std::string out = *dir_ + "/neighbours.tsv";
  const CommandResult result = retrieve("--task cap2mol --method sentence --k 10 --threads 2 --out " + out);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto queries = data::read_neighbour_file(out);
  const nlohmann::json& reference = testing::sentence_expected().at("models").at(kModel).at("neighbours");
  ASSERT_EQ(queries.size(), reference.size());
  std::size_t identical = 0;
  double worst = 0.0;
  for (std::size_t q = 0; q < queries.size(); ++q) {
    EXPECT_EQ(queries[q].query_id, testing::sentence_expected().at("queries")[q]);
    ASSERT_EQ(queries[q].neighbours.size(), 10u);
    std::vector<std::string> ids;
    for (std::size_t rank = 0; rank < 10; ++rank) {
      ids.push_back(queries[q].neighbours[rank].neighbour_id);
      identical += ids.back() == reference[q][rank][0].get<std::string>();
      worst = std::max(worst, std::abs(queries[q].neighbours[rank].score - reference[q][rank][1].get<double>()));
    }
    EXPECT_EQ(testing::compare_neighbours(ids, reference[q], 1e-6), "") << "query " << queries[q].query_id;
  }
  std::cout << "icma-retrieve --method sentence: " << identical << " of " << 10 * queries.size()
            << " ranks name the reference's id (the rest are ties within 1e-6); max |score - reference| = " << worst
            << std::endl;
  EXPECT_LT(worst, 1e-5);

  // Re-ranking applies unchanged: the top 2 of the 10, most similar last.
  const std::string reranked = *dir_ + "/reranked.tsv";
  ASSERT_EQ(retrieve("--task cap2mol --method sentence --k 10 --select 2 --reverse --out " + reranked).exit_code, 0);
  const auto two = data::read_neighbour_file(reranked);
  ASSERT_EQ(two.size(), queries.size());
  EXPECT_EQ(two[0].neighbours.at(1).neighbour_id, queries[0].neighbours.at(0).neighbour_id);
  EXPECT_EQ(two[0].neighbours.at(0).neighbour_id, queries[0].neighbours.at(1).neighbour_id);
}

TEST_F(SentenceCommands, SentenceSearchesCaptionsNotMolecules) {
  const CommandResult result = retrieve("--task mol2cap --method sentence --out " + *dir_ + "/x.tsv");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.output.rfind("icma-retrieve: error: --method sentence searches captions", 0), 0u) << result.output;
}

TEST_F(SentenceCommands, TheEncoderRunsOnTheDeviceAsked) {
  // Without a GPU, CUDA is refused in one line; with one, CUDA gives the CPU's neighbours.
  const std::string on_cpu = *dir_ + "/device-cpu.tsv", on_gpu = *dir_ + "/device-cuda.tsv";
  ASSERT_EQ(retrieve("--task cap2mol --method sentence --out " + on_cpu).exit_code, 0);
  const CommandResult result = retrieve("--task cap2mol --method sentence --device cuda --out " + on_gpu);
  const std::string no_cuda = "icma-retrieve: error: --device cuda: this LibTorch has no CUDA device available\n";
  if (result.output == no_cuda) {
    EXPECT_EQ(result.exit_code, 2);
    const CommandResult build = testing::run_command(
        "icma-index", "build --corpus " + queries_file() + " --out " + *dir_ + "/cuda-index --sentence " + *model_ +
                          " --device cuda");
    EXPECT_EQ(build.exit_code, 2);
    EXPECT_NE(build.output.find("--device cuda: this LibTorch has no CUDA device available"), std::string::npos)
        << build.output;
  } else {
    ASSERT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(read_file(on_gpu), read_file(on_cpu));
  }
  EXPECT_EQ(retrieve("--task cap2mol --method sentence --device tpu --out " + on_gpu).exit_code, 2);
}

TEST_F(SentenceCommands, AChangedModelIsNoticedAndAMovedOneAccepted) {
  const std::string moved = testing::copy_sentence_model(kModel, "sentence-commands-moved");
  const std::string out = *dir_ + "/moved.tsv";
  const CommandResult accepted = retrieve("--task cap2mol --method sentence --sentence " + moved + " --out " + out);
  EXPECT_EQ(accepted.exit_code, 0) << accepted.output;

  nlohmann::json config = testing::load_json(moved + "/sentence_bert_config.json");
  config["max_seq_length"] = 16;
  testing::write_json_file(moved + "/sentence_bert_config.json", config);
  const CommandResult refused = retrieve("--task cap2mol --method sentence --sentence " + moved + " --out " + out);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_EQ(refused.output, "icma-retrieve: error: " + moved + ": this is not the sentence model index " + index() +
                                " was built with (sentence_bert_config.json differ); rebuild the index or pass the "
                                "right --sentence\n");
}

// ---- model directories that do not fit: icma-index build --sentence BAD -------------

class BadSentenceModels : public ::testing::Test {
 protected:
  static std::string corpus() {
    const std::string path = testing::temp_dir() + "/bad-sentence-corpus.tsv";
    testing::write_text(path, "CID\tSMILES\tdescription\n1\tCCO\tThe molecule is ethanol.\n");
    return path;
  }
  // The command's output for one broken copy of the fixture; it must be one
  // line and exit 2, without an index left behind.
  static std::string build_error(const std::string& model) {
    const std::string out = testing::temp_dir() + "/bad-sentence-index";
    const CommandResult result = testing::run_command(
        "icma-index", "build --corpus " + corpus() + " --out " + out + " --sentence " + model + " --threads 1");
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
    EXPECT_FALSE(std::filesystem::exists(out));
    return result.output;
  }
};

TEST_F(BadSentenceModels, MissingPoolingConfig) {
  const std::string model = testing::copy_sentence_model(kModel, "bad-missing-pooling");
  std::filesystem::remove(model + "/1_Pooling/config.json");
  EXPECT_EQ(build_error(model), "icma-index: error: " + model + "/1_Pooling/config.json: missing (the Pooling module's "
                                "config, named in " + model + "/modules.json)\n");
}

TEST_F(BadSentenceModels, UnknownPoolingMode) {
  const std::string model = testing::copy_sentence_model(kModel, "bad-pooling-mode");
  testing::write_json_file(model + "/1_Pooling/config.json",
                           {{"word_embedding_dimension", 32}, {"pooling_mode", "median"}});
  EXPECT_EQ(build_error(model), "icma-index: error: " + model + "/1_Pooling/config.json: \"pooling_mode\" is \"median\"; "
                                "use mean, max, cls, weightedmean or lasttoken\n");
}

TEST_F(BadSentenceModels, WrongShapes) {
  const std::string model = testing::copy_sentence_model("roberta-mean", "bad-shapes");
  nlohmann::json config = testing::load_json(model + "/config.json");
  config["hidden_size"] = 48;
  config["num_attention_heads"] = 4;
  testing::write_json_file(model + "/config.json", config);
  EXPECT_EQ(build_error(model), "icma-index: error: " + model + "/pytorch_model.bin: weight "
                                "\"embeddings.word_embeddings.weight\" has shape [4261, 32] but the model needs [4261, 48]\n");
}

TEST_F(BadSentenceModels, MissingModulesEntries) {
  const std::string model = testing::copy_sentence_model(kModel, "bad-modules");
  nlohmann::json modules = testing::load_json(model + "/modules.json");
  modules.erase(1);  // no Pooling entry: Normalize follows the Transformer
  testing::write_json_file(model + "/modules.json", modules);
  EXPECT_EQ(build_error(model), "icma-index: error: " + model + "/modules.json: [1] must be the "
                                "sentence_transformers.models.Pooling entry (after the Transformer)\n");
}

}  // namespace
}  // namespace icma
