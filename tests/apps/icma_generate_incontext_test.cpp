// icma-generate with plain inputs and --index asks the model exactly what the
// three-command route asks it: icma-retrieve (top n, the query's own record
// kept) + icma-prompt (most similar last, the same token budget) +
// icma-generate --prompts. Both routes run here on ChEBI-20 rows (a 60-row
// corpus from validation, 6 queries from test) with the tiny Llama that
// `icma-train init` makes (2048 positions, so in-context prompts fit), for
// Cap2Mol by BM25 and by sentence embeddings (the tiny BERT of
// tests/fixtures/sentence) and for Mol2Cap by GIN embeddings. (Under a token budget
// the routes differ by design: icma-prompt counts the known answer's tokens,
// a plain input has none.)

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "icma/core/atomic_file.hpp"
#include "icma/prompt/prompt_file.hpp"
#include "test_support.hpp"

namespace icma {
namespace {

using testing::CommandResult;

class GenerateInContext : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::temp_dir() + "/generate-incontext");
    std::filesystem::remove_all(*dir_);
    std::filesystem::create_directories(*dir_);
    const std::string chebi = testing::shared_dir() + "/data/chebi20/";
    if (!testing::file_exists(chebi + "test.txt")) return;
    testing::write_text(corpus(), head(chebi + "validation.txt", 60));
    testing::write_text(queries(), head(chebi + "test.txt", 6));
    std::string smiles, captions;
    std::istringstream rows(head(chebi + "test.txt", 6));
    std::string line;
    std::getline(rows, line);  // header
    while (std::getline(rows, line)) {
      const std::size_t first = line.find('\t'), second = line.find('\t', first + 1);
      smiles += line.substr(first + 1, second - first - 1) + "\n";
      captions += line.substr(second + 1) + "\n";
    }
    testing::write_text(*dir_ + "/smiles.txt", smiles);
    testing::write_text(*dir_ + "/captions.txt", captions);
    const std::string setup[][2] = {
        {"icma-train", "init --config " + source("configs/models/tiny-llama.json") + " --out " + model()},
        {"icma-index", "gnn-pretrain --corpus " + corpus() + " --out " + *dir_ +
                           "/gin.safetensors --epochs 1 --batch-size 16 --layers 2 --emb-dim 16"},
        {"icma-index", "build --corpus " + corpus() + " --out " + index() + " --gnn " + *dir_ +
                           "/gin.safetensors --sentence " + testing::fixture_path("sentence/bert-mean-normalize")}};
    for (const auto& [command, arguments] : setup) {
      const CommandResult result = testing::run_command(command, arguments + " --threads 1");
      ASSERT_EQ(result.exit_code, 0) << command << " " << arguments << "\n" << result.output;
    }
  }
  static void TearDownTestSuite() { delete dir_; }

  void SetUp() override {
    if (!testing::file_exists(corpus())) GTEST_SKIP() << "no ChEBI-20 data under " << testing::shared_dir();
  }

  static std::string source(const std::string& path) { return std::string(ICMA_SOURCE_DIR) + "/" + path; }
  static std::string corpus() { return *dir_ + "/corpus.tsv"; }
  static std::string queries() { return *dir_ + "/queries.tsv"; }
  static std::string model() { return *dir_ + "/model"; }
  static std::string index() { return *dir_ + "/index"; }
  static std::string templates() { return " --template " + source("configs/prompts/icma.json"); }

  // The header and the first `rows` rows of a TSV.
  static std::string head(const std::string& path, int rows) {
    std::istringstream in(read_file(path));
    std::string out, line;
    for (int i = 0; i <= rows && std::getline(in, line); ++i) out += line + "\n";
    return out;
  }

  static void run_ok(const std::string& command, const std::string& arguments) {
    const CommandResult result = testing::run_command(command, arguments + " --threads 1");
    ASSERT_EQ(result.exit_code, 0) << command << " " << arguments << "\n" << result.output;
  }

  // Both routes for one task and method; their prompts must be equal row by row.
  static void expect_same_prompts(const std::string& task, const std::string& method, int n_shot,
                                  const std::string& budget) {
    const std::string name = task + "-" + method;
    const std::string neighbours = *dir_ + "/" + name + ".neighbours.tsv";
    const std::string expected = *dir_ + "/" + name + ".expected.jsonl";
    const std::string got = *dir_ + "/" + name + ".got.jsonl";
    run_ok("icma-retrieve", "--index " + index() + " --queries " + queries() + " --task " + task + " --method " +
                                method + " --k " + std::to_string(n_shot) + " --exclude-self off --out " + neighbours);
    run_ok("icma-prompt", "--task " + task + " --dataset " + queries() + " --corpus " + corpus() + " --neighbours " +
                              neighbours + " --n-shot " + std::to_string(n_shot) + " --tokenizer " + model() + budget +
                              templates() + " --out " + expected);
    const std::string plain = *dir_ + (task == "mol2cap" ? "/smiles.txt" : "/captions.txt");
    run_ok("icma-generate", std::string(task == "mol2cap" ? "--smiles " : "--captions ") + plain + " --index " +
                                index() + " --method " + method + " --n-shot " + std::to_string(n_shot) + budget +
                                " --model " + model() + templates() + " --save-prompts " + got + " --out " + *dir_ +
                                "/" + name + ".predictions.tsv --max-new-tokens 2");
    const auto want = prompt::read_prompt_file(expected);
    const auto have = prompt::read_prompt_file(got, {false, true, false});
    ASSERT_EQ(have.size(), want.size());
    std::size_t examples = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(have[i].prompt, want[i].prompt) << name << " row " << i;
      EXPECT_EQ(have[i].examples, want[i].examples) << name << " row " << i;
      EXPECT_EQ(have[i].input, want[i].input) << name << " row " << i;
      examples += want[i].examples.size();
    }
    // In-context prompts, not zero-shot ones.
    EXPECT_GE(examples, want.size());
    EXPECT_GT(examples, want.size() * static_cast<std::size_t>(n_shot - 1));
  }

  static std::string* dir_;
};
std::string* GenerateInContext::dir_ = nullptr;

TEST_F(GenerateInContext, CaptionsByBm25AskWhatRetrievePlusPromptAsk) {
  expect_same_prompts("cap2mol", "bm25", 2, "");  // 4 would not fit 2048 byte tokens
}

TEST_F(GenerateInContext, CaptionsBySentenceEmbeddingsAskWhatRetrievePlusPromptAsk) {
  expect_same_prompts("cap2mol", "sentence", 1, "");  // its neighbours are long captions: 2 overflow 2048 tokens
}

TEST_F(GenerateInContext, SmilesByGinEmbeddingsAskWhatRetrievePlusPromptAsk) {
  expect_same_prompts("mol2cap", "gnn", 2, "");
}

}  // namespace
}  // namespace icma
