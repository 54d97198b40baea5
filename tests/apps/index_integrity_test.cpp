// A damaged index is refused cleanly and in bounded memory: the manifest
// lists every file's size and SHA-256, and icma-retrieve checks them before
// any reader sees a byte (a damaged Lucene++ file once made retrieval
// allocate until the kernel killed it at 23 GB). Peak memory is measured
// with /usr/bin/time.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "icma/core/atomic_file.hpp"
#include "test_support.hpp"

namespace icma {
namespace {
namespace fs = std::filesystem;

const char* kCorpus =
    "CID\tSMILES\tdescription\n"
    "1\tCCO\tThe molecule is ethanol, a primary alcohol.\n"
    "2\tCCCO\tThe molecule is propan-1-ol, a primary alcohol.\n"
    "3\tc1ccccc1\tThe molecule is benzene, an aromatic hydrocarbon.\n"
    "4\tCC(=O)O\tThe molecule is acetic acid, a monocarboxylic acid.\n";

class IndexIntegrity : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::temp_dir() + "/integrity");
    fs::create_directories(*dir_);
    testing::write_text(*dir_ + "/corpus.tsv", kCorpus);
    const auto built = testing::run_command("icma-index", "build --corpus " + *dir_ + "/corpus.tsv --out " + *dir_ + "/good");
    ASSERT_EQ(built.exit_code, 0) << built.output;
  }
  static void TearDownTestSuite() { delete dir_; }

  // A copy of the good index, damaged by `damage`.
  static std::string damaged_copy(const std::string& name, const std::function<void(const std::string&)>& damage) {
    const std::string copy = *dir_ + "/" + name;
    fs::remove_all(copy);
    fs::copy(*dir_ + "/good", copy, fs::copy_options::recursive);
    damage(copy);
    return copy;
  }

  // Runs icma-retrieve on `index` under /usr/bin/time; the output and the peak memory in KB.
  static std::pair<testing::CommandResult, long> retrieve(const std::string& index, const std::string& method) {
    const std::string arguments = "--index " + index + " --queries " + *dir_ + "/corpus.tsv --task " +
                                  (method == "bm25" ? "cap2mol" : "mol2cap") + " --method " + method + " --out " +
                                  *dir_ + "/n.tsv";
    if (!fs::exists("/usr/bin/time")) return {testing::run_command("icma-retrieve", arguments), -1};
    const std::string command = "/usr/bin/time -f 'peak-kb %M' " + std::string(ICMA_BIN_DIR) + "/icma-retrieve " +
                                arguments + " 2>&1";
    testing::CommandResult result;
    FILE* pipe = popen(command.c_str(), "r");
    char buffer[4096];
    while (pipe != nullptr && std::fgets(buffer, sizeof buffer, pipe) != nullptr) result.output += buffer;
    const int status = pipe != nullptr ? pclose(pipe) : -1;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::smatch match;
    long peak = -1;
    if (std::regex_search(result.output, match, std::regex("peak-kb ([0-9]+)"))) peak = std::stol(match[1]);
    return {result, peak};
  }

  static void overwrite_middle(const std::string& path) {
    std::string bytes = read_file(path);
    ASSERT_GT(bytes.size(), 2u);
    for (std::size_t i = bytes.size() / 2; i < bytes.size(); ++i) bytes[i] = '\xff';
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  }

  static std::string* dir_;
};
std::string* IndexIntegrity::dir_ = nullptr;

// The largest file of the index's Lucene++ directory.
std::string largest_lucene_file(const std::string& index) {
  std::string largest;
  std::uintmax_t size = 0;
  for (const auto& entry : fs::directory_iterator(index + "/bm25/lucene")) {
    if (entry.file_size() > size) size = entry.file_size(), largest = entry.path().string();
  }
  return largest;
}

TEST_F(IndexIntegrity, TheManifestListsEveryFileWithItsSha256) {
  const nlohmann::json manifest = testing::load_json(*dir_ + "/good/manifest.json");
  EXPECT_EQ(manifest["format_version"], 2);
  ASSERT_TRUE(manifest.contains("files"));
  EXPECT_TRUE(manifest["files"].contains("ids.txt"));
  EXPECT_TRUE(manifest["files"].contains("morgan.fp"));
  EXPECT_EQ(manifest["files"]["ids.txt"]["size"], 8);
  std::size_t lucene = 0;
  for (const auto& [name, entry] : manifest["files"].items()) {
    lucene += name.rfind("bm25/lucene/", 0) == 0 ? 1 : 0;
    EXPECT_EQ(entry["sha256"].get<std::string>().size(), 64u) << name;
  }
  EXPECT_GT(lucene, 3u);
  const auto [result, peak] = retrieve(*dir_ + "/good", "bm25");
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST_F(IndexIntegrity, DamagedFilesAreRefusedInBoundedMemory) {
  struct Damage {
    const char* name;
    std::function<void(const std::string&)> damage;
    const char* method;
    const char* fragment;
  };
  const Damage cases[] = {
      {"lucene-bytes", [](const std::string& index) { overwrite_middle(largest_lucene_file(index)); }, "bm25",
       "its SHA-256 differs from the one recorded when it was written; the index is damaged: rebuild it"},
      {"lucene-truncated", [](const std::string& index) { fs::resize_file(largest_lucene_file(index), 3); }, "bm25",
       "3 bytes where"},
      {"lucene-extra", [](const std::string& index) { testing::write_text(index + "/bm25/lucene/segments_9", "x"); },
       "bm25", "segments_9: not one of the files that were written"},
      {"lucene-missing", [](const std::string& index) { fs::remove(largest_lucene_file(index)); }, "bm25", "missing"},
      {"fingerprints", [](const std::string& index) { overwrite_middle(index + "/morgan.fp"); }, "morgan",
       "morgan.fp: its SHA-256 differs"},
      {"ids", [](const std::string& index) { testing::write_text(index + "/ids.txt", "1\n2\n3\n5\n"); }, "morgan",
       "ids.txt: its SHA-256 differs"},
      {"bm25-meta", [](const std::string& index) { overwrite_middle(index + "/bm25/bm25.json"); }, "bm25",
       "bm25.json: its SHA-256 differs"},
  };
  for (const Damage& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string index = damaged_copy(c.name, c.damage);
    const auto [result, peak] = retrieve(index, c.method);
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_NE(result.output.find(c.fragment), std::string::npos) << result.output;
    if (peak >= 0) EXPECT_LT(peak, 500 * 1024) << "peak memory " << peak << " KB";
  }
}

TEST_F(IndexIntegrity, AnIndexWithoutChecksumsIsAnOlderFormatToRebuild) {
  const std::string index = damaged_copy("old", [](const std::string& copy) {
    nlohmann::json manifest = testing::load_json(copy + "/manifest.json");
    manifest.erase("files");
    manifest["format_version"] = 1;
    testing::write_text(copy + "/manifest.json", manifest.dump());
  });
  const auto [result, peak] = retrieve(index, "bm25");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("index format 1 is not the one this build reads (2); rebuild the index"),
            std::string::npos)
      << result.output;
  // Rebuilding over it is allowed: it is an index.
  const auto rebuilt = testing::run_command("icma-index", "build --corpus " + *dir_ + "/corpus.tsv --out " + index);
  EXPECT_EQ(rebuilt.exit_code, 0) << rebuilt.output;
}

}  // namespace
}  // namespace icma
