// icma-index and icma-retrieve end to end on a small corpus: the index
// directory, the neighbour files, stale-corpus detection and error exits.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "icma/core/atomic_file.hpp"
#include "icma/data/neighbour_file.hpp"
#include "test_support.hpp"

namespace icma {
namespace {

using testing::CommandResult;

// Six molecules; row 4 (line 5) has a SMILES that does not parse.
const char* kCorpus =
    "CID\tSMILES\tdescription\n"
    "1\tCCO\tThe molecule is ethanol, a primary alcohol.\n"
    "2\tCCCO\tThe molecule is propan-1-ol, a primary alcohol.\n"
    "3\tc1ccccc1\tThe molecule is benzene, an aromatic hydrocarbon.\n"
    "4\tC1CC\tThe molecule is a broken ring.\n"
    "5\tCC(=O)O\tThe molecule is acetic acid, a monocarboxylic acid.\n"
    "6\tCCC(=O)O\tThe molecule is propionic acid, a monocarboxylic acid.\n";

class Retrieval : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::temp_dir() + "/" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::create_directories(dir_);
    corpus_ = dir_ + "/corpus.tsv";
    testing::write_text(corpus_, kCorpus);
    index_ = dir_ + "/index";
    const CommandResult built = testing::run_command("icma-index", "build --corpus " + corpus_ + " --out " + index_);
    ASSERT_EQ(built.exit_code, 0) << built.output;
    build_output_ = built.output;
  }
  CommandResult retrieve(const std::string& arguments) {
    return testing::run_command("icma-retrieve", "--index " + index_ + " " + arguments);
  }
  // Neighbour ids per query id.
  std::map<std::string, std::vector<std::string>> neighbours(const std::string& path) {
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& query : data::read_neighbour_file(path)) {
      for (const auto& entry : query.neighbours) out[query.query_id].push_back(entry.neighbour_id);
    }
    return out;
  }
  std::string dir_, corpus_, index_, build_output_;
};

TEST_F(Retrieval, IndexReportsUnparsableSmilesWithTheirLine) {
  EXPECT_NE(build_output_.find(corpus_ + ":5: SMILES does not parse"), std::string::npos) << build_output_;
  const CommandResult info = testing::run_command("icma-index", "info " + index_);
  ASSERT_EQ(info.exit_code, 0) << info.output;
  const auto manifest = nlohmann::json::parse(info.output);
  EXPECT_EQ(manifest["corpus"]["rows"], 6);
  EXPECT_EQ(manifest["corpus"]["sha256"].get<std::string>().size(), 64u);
  EXPECT_EQ(manifest["unparsable_smiles"]["count"], 1);
  EXPECT_EQ(manifest["unparsable_smiles"]["rows"][0]["cid"], "4");
}

TEST_F(Retrieval, CaptionQueriesOfTheCorpusExcludeThemselves) {
  const std::string out = dir_ + "/bm25.tsv";
  const CommandResult result = retrieve("--queries " + corpus_ + " --task cap2mol --method bm25 --k 3 --out " + out);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto lists = neighbours(out);
  ASSERT_EQ(lists.size(), 6u);
  for (const auto& [query, ids] : lists) {
    EXPECT_EQ(ids.size(), 3u);
    EXPECT_EQ(std::count(ids.begin(), ids.end(), query), 0) << "query " << query << " found itself";
  }
  EXPECT_EQ(lists.at("1")[0], "2");  // the other primary alcohol
  EXPECT_EQ(lists.at("5")[0], "6");  // the other monocarboxylic acid
  // The broken molecule's caption is still searchable.
  EXPECT_EQ(lists.at("4").size(), 3u);
}

TEST_F(Retrieval, MoleculeQueriesNeverReturnUnparsableRows) {
  const std::string out = dir_ + "/morgan.tsv";
  const CommandResult result =
      retrieve("--queries " + corpus_ + " --task mol2cap --method morgan --k 10 --exclude-self off --out " + out);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto lists = neighbours(out);
  EXPECT_EQ(lists.count("4"), 0u);  // its SMILES does not parse: no neighbours, with a warning
  EXPECT_NE(result.output.find(":5: query SMILES does not parse"), std::string::npos) << result.output;
  for (const auto& [query, ids] : lists) {
    EXPECT_EQ(ids.size(), 5u);  // k = 10, but only five molecules are searchable
    EXPECT_EQ(ids[0], query);   // exclusion is off: a molecule is most like itself
    EXPECT_EQ(std::count(ids.begin(), ids.end(), "4"), 0);
  }
}

TEST_F(Retrieval, RandomMoleculeExamplesAreMoleculesThatParse) {
  const std::string out = dir_ + "/random.tsv";
  const CommandResult result =
      retrieve("--queries " + corpus_ + " --task mol2cap --method random --k 10 --out " + out);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  for (const auto& [query, ids] : neighbours(out)) {
    // Six rows, less the broken one, less the query itself (the broken
    // query's own row is already out).
    EXPECT_EQ(ids.size(), query == "4" ? 5u : 4u) << query;
    EXPECT_EQ(std::count(ids.begin(), ids.end(), "4"), 0) << query;
    EXPECT_EQ(std::count(ids.begin(), ids.end(), query), 0) << query;
  }
  // Caption queries may get any row, the broken molecule's included.
  const std::string captions = dir_ + "/random-captions.tsv";
  ASSERT_EQ(retrieve("--queries " + corpus_ + " --task cap2mol --method random --k 10 --out " + captions).exit_code, 0);
  EXPECT_EQ(neighbours(captions).at("1").size(), 5u);
}

TEST_F(Retrieval, RandomWalkIsReproducibleFromTheSeed) {
  const auto run_walk = [&](const std::string& seed, const std::string& name) {
    const std::string out = dir_ + "/" + name;
    const CommandResult result = retrieve("--queries " + corpus_ +
                                          " --task cap2mol --method bm25 --k 5 --select 2 --walk 0.5 --reverse "
                                          "--seed " + seed + " --out " + out);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return read_file(out);
  };
  const std::string first = run_walk("7", "a.tsv");
  EXPECT_EQ(first, run_walk("7", "b.tsv"));
  for (const auto& [query, ids] : neighbours(dir_ + "/a.tsv")) EXPECT_EQ(ids.size(), 2u) << query;
}

TEST_F(Retrieval, ChangedCorpusIsRefusedUnlessAllowed) {
  testing::write_text(corpus_, std::string(kCorpus) + "7\tC\tThe molecule is methane.\n");
  const std::string args = "--queries " + corpus_ + " --task cap2mol --method bm25 --out " + dir_ + "/stale.tsv";
  const CommandResult refused = retrieve(args);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.output.find("changed since it was indexed"), std::string::npos) << refused.output;
  const CommandResult allowed = retrieve(args + " --allow-stale");
  EXPECT_EQ(allowed.exit_code, 0) << allowed.output;
}

TEST_F(Retrieval, RebuildReplacesTheIndex) {
  testing::write_text(corpus_, std::string(kCorpus) + "7\tC\tThe molecule is methane.\n");
  const CommandResult rebuilt = testing::run_command("icma-index", "build --corpus " + corpus_ + " --out " + index_);
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.output;
  const auto manifest = nlohmann::json::parse(testing::run_command("icma-index", "info " + index_).output);
  EXPECT_EQ(manifest["corpus"]["rows"], 7);
}

TEST_F(Retrieval, BadInputExitsWithTwo) {
  const std::string out = " --out " + dir_ + "/x.tsv";
  EXPECT_EQ(testing::run_command("icma-retrieve", "--index " + dir_ + "/missing --queries " + corpus_ +
                                                      " --task cap2mol --method bm25" + out)
                .exit_code,
            2);
  EXPECT_EQ(retrieve("--queries " + corpus_ + " --task cap2mol --method tfidf" + out).exit_code, 2);
  const CommandResult mismatch = retrieve("--queries " + corpus_ + " --task mol2cap --method bm25" + out);
  EXPECT_EQ(mismatch.exit_code, 2);
  EXPECT_NE(mismatch.output.find("searches captions"), std::string::npos) << mismatch.output;
  const std::string bad_queries = dir_ + "/bad.tsv";
  testing::write_text(bad_queries, "CID\tSMILES\tdescription\n1\tCCO\n");
  const CommandResult bad = retrieve("--queries " + bad_queries + " --task cap2mol --method bm25" + out);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find(bad_queries + ":2: expected 3 tab-separated fields"), std::string::npos) << bad.output;
  EXPECT_EQ(testing::run_command("icma-index", "info " + dir_ + "/missing").exit_code, 2);
}

}  // namespace
}  // namespace icma
