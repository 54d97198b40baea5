// icma-index gnn-pretrain, icma-index build --gnn and icma-retrieve
// --method gnn end to end on a small corpus, and their error exits.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "icma/core/atomic_file.hpp"
#include "icma/data/neighbour_file.hpp"
#include "test_support.hpp"

namespace icma {
namespace {

using testing::CommandResult;

// Row 4 (line 5) does not parse; row 7 (line 8) is an ion pair.
const char* kCorpus =
    "CID\tSMILES\tdescription\n"
    "1\tCCO\tThe molecule is ethanol.\n"
    "2\tCCCO\tThe molecule is propan-1-ol.\n"
    "3\tc1ccccc1\tThe molecule is benzene.\n"
    "4\tC1CC\tThe molecule is a broken ring.\n"
    "5\tCC(=O)O\tThe molecule is acetic acid.\n"
    "6\tCCC(=O)O\tThe molecule is propionic acid.\n"
    "7\t[Na+].[Cl-]\tThe molecule is sodium chloride.\n";

class GnnCommands : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::temp_dir() + "/gnn-commands");
    std::filesystem::create_directories(*dir_);
    testing::write_text(corpus(), kCorpus);
    // A small GIN, so that the suite stays fast.
    const CommandResult trained = testing::run_command(
        "icma-index", "gnn-pretrain --corpus " + corpus() + " --out " + weights() +
                          " --epochs 2 --batch-size 4 --layers 2 --emb-dim 16 --threads 1");
    ASSERT_EQ(trained.exit_code, 0) << trained.output;
    const CommandResult built = testing::run_command(
        "icma-index", "build --corpus " + corpus() + " --out " + index() + " --gnn " + weights() + " --threads 1");
    ASSERT_EQ(built.exit_code, 0) << built.output;
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string corpus() { return *dir_ + "/corpus.tsv"; }
  static std::string weights() { return *dir_ + "/gin.safetensors"; }
  static std::string index() { return *dir_ + "/index"; }
  static CommandResult retrieve(const std::string& arguments) {
    return testing::run_command("icma-retrieve", "--index " + index() + " --queries " + corpus() + " " + arguments);
  }
  static std::string* dir_;
};
std::string* GnnCommands::dir_ = nullptr;

TEST_F(GnnCommands, PretrainingLogsEpochsAndWritesWeights) {
  EXPECT_TRUE(std::filesystem::exists(weights()));
  const std::string out = *dir_ + "/again.safetensors";
  const CommandResult again = testing::run_command(
      "icma-index", "gnn-pretrain --corpus " + corpus() + " --out " + out +
                        " --epochs 2 --batch-size 4 --layers 2 --emb-dim 16 --threads 1");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("corpus.tsv:5: SMILES does not parse; left out of pre-training"), std::string::npos)
      << again.output;
  EXPECT_NE(again.output.find("epoch 2/2: loss"), std::string::npos) << again.output;
  // Same seed and threads: the same file, byte for byte.
  EXPECT_EQ(read_file(weights()), read_file(out));
}

TEST_F(GnnCommands, TheManifestDescribesTheEmbeddings) {
  const CommandResult info = testing::run_command("icma-index", "info " + index());
  ASSERT_EQ(info.exit_code, 0) << info.output;
  const auto gnn = nlohmann::json::parse(info.output).at("gnn");
  EXPECT_EQ(gnn["dim"], 16);
  EXPECT_EQ(gnn["num_layers"], 2);
  EXPECT_EQ(gnn["normalised"], "l2");
  EXPECT_EQ(gnn["weights"]["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(gnn["rows_without_embedding"]["count"], 1);
  EXPECT_EQ(gnn["rows_without_embedding"]["rows"][0]["cid"], "4");
  EXPECT_TRUE(std::filesystem::exists(index() + "/gnn.emb"));
}

TEST_F(GnnCommands, MoleculeQueriesFindNeighboursByCosine) {
  const std::string out = *dir_ + "/gnn.tsv";
  const CommandResult result = retrieve("--task mol2cap --method gnn --k 3 --out " + out);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  std::map<std::string, std::vector<data::NeighbourEntry>> lists;
  for (const auto& query : data::read_neighbour_file(out)) lists[query.query_id] = query.neighbours;
  EXPECT_EQ(lists.count("4"), 0u) << "an unparsable query has no neighbours";
  ASSERT_EQ(lists.size(), 6u);
  for (const auto& [query, neighbours] : lists) {
    ASSERT_EQ(neighbours.size(), 3u) << query;
    for (std::size_t i = 0; i < neighbours.size(); ++i) {
      EXPECT_NE(neighbours[i].neighbour_id, query) << "the corpus as queries excludes itself";
      EXPECT_NE(neighbours[i].neighbour_id, "4") << "unparsable rows are not searchable";
      EXPECT_LE(neighbours[i].score, 1.0 + 1e-6);
      if (i > 0) EXPECT_LE(neighbours[i].score, neighbours[i - 1].score);
    }
  }
  // Without exclusion a molecule is its own nearest neighbour (cosine 1).
  const CommandResult self = retrieve("--task mol2cap --method gnn --k 1 --exclude-self off --out " + out);
  ASSERT_EQ(self.exit_code, 0) << self.output;
  for (const auto& query : data::read_neighbour_file(out)) {
    EXPECT_EQ(query.neighbours.at(0).neighbour_id, query.query_id);
    EXPECT_NEAR(query.neighbours.at(0).score, 1.0, 1e-5);
  }
}

TEST_F(GnnCommands, AnIndexWithoutGnnIsAClearError) {
  const std::string plain = *dir_ + "/plain";
  ASSERT_EQ(testing::run_command("icma-index", "build --corpus " + corpus() + " --out " + plain).exit_code, 0);
  const CommandResult result = testing::run_command(
      "icma-retrieve", "--index " + plain + " --queries " + corpus() + " --task mol2cap --method gnn --log-level error --out " + *dir_ +
                           "/x.tsv");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.output, "icma-retrieve: error: " + plain +
                               ": this index has no GNN embeddings; rebuild it with icma-index build --gnn WEIGHTS\n");
}

TEST_F(GnnCommands, GnnSearchesMoleculesNotCaptions) {
  const CommandResult result = retrieve("--task cap2mol --method gnn --out " + *dir_ + "/x.tsv");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.output.rfind("icma-retrieve: error: --method gnn searches molecules", 0), 0u) << result.output;
}

TEST_F(GnnCommands, ChangedWeightsAreNoticed) {
  const std::string other = *dir_ + "/other.safetensors";
  ASSERT_EQ(testing::run_command("icma-index", "gnn-pretrain --corpus " + corpus() + " --out " + other +
                                                   " --epochs 0 --layers 2 --emb-dim 16 --seed 5")
                .exit_code,
            0);
  const CommandResult result = retrieve("--task mol2cap --method gnn --gnn " + other + " --out " + *dir_ + "/x.tsv");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("not the GNN weights"), std::string::npos) << result.output;
}

TEST_F(GnnCommands, BadWeightsAreOneClearLine) {
  const std::string bad = *dir_ + "/bad.safetensors";
  testing::write_text(bad, "this is not a weights file");
  const CommandResult result = testing::run_command(
      "icma-index", "build --corpus " + corpus() + " --out " + *dir_ + "/bad-index --gnn " + bad);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.output.rfind("icma-index: error: " + bad, 0), 0u) << result.output;
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;
  EXPECT_FALSE(std::filesystem::exists(*dir_ + "/bad-index"));
}

TEST_F(GnnCommands, PretrainingFlagsAreChecked) {
  const CommandResult result = testing::run_command(
      "icma-index", "gnn-pretrain --corpus " + corpus() + " --out " + *dir_ + "/x.safetensors --mask-rate 2");
  EXPECT_EQ(result.exit_code, 2);
  const CommandResult empty_corpus = [&] {
    testing::write_text(*dir_ + "/empty.tsv", "CID\tSMILES\tdescription\n4\tC1CC\tbroken\n");
    return testing::run_command("icma-index", "gnn-pretrain --corpus " + *dir_ + "/empty.tsv --out " + *dir_ +
                                                  "/x.safetensors --log-level error");
  }();
  EXPECT_EQ(empty_corpus.exit_code, 2);
  EXPECT_NE(empty_corpus.output.find("icma-index: error: " + *dir_ + "/empty.tsv: no molecules to pre-train on"),
            std::string::npos)
      << empty_corpus.output;
}

}  // namespace
}  // namespace icma
