// Nothing a user owns is destroyed (core/output_ownership.hpp, end to end):
// an index build refuses a directory of other files and one holding its
// corpus; an output that is an input is refused by every command; a second
// writer of the same output is refused while the first holds it; temporaries
// of killed runs are cleaned by the next run; a full disk is named as the
// reason and leaves nothing behind; --threads beyond the cores is capped.

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "icma/core/atomic_file.hpp"
#include "icma/core/output_ownership.hpp"
#include "icma/core/write_failure.hpp"
#include "test_support.hpp"

namespace icma {
namespace {
namespace fs = std::filesystem;
using testing::CommandResult;
using testing::run_command;

const char* kCorpus =
    "CID\tSMILES\tdescription\n"
    "1\tCCO\tThe molecule is ethanol, a primary alcohol.\n"
    "2\tCCCO\tThe molecule is propan-1-ol, a primary alcohol.\n"
    "3\tc1ccccc1\tThe molecule is benzene, an aromatic hydrocarbon.\n";

const char* kPredictions =
    "description\tground truth\toutput\n"
    "The molecule is ethanol.\tCCO\tCCO\n";

class Ownership : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::temp_dir() + "/ownership-" + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::create_directories(dir_);
    corpus_ = dir_ + "/corpus.tsv";
    testing::write_text(corpus_, kCorpus);
  }
  // Exit code 2 and `fragment` in the one-line message; `path` unchanged.
  void expect_refused(const CommandResult& result, const std::string& fragment, const std::string& path,
                      const std::string& content) {
    EXPECT_EQ(result.exit_code, 2) << result.output;
    EXPECT_NE(result.output.find(fragment), std::string::npos) << result.output;
    EXPECT_EQ(read_file(path), content) << path << " was changed";
  }
  std::string dir_, corpus_;
};

TEST_F(Ownership, IndexBuildNeverReplacesADirectoryOfOtherFiles) {
  const std::string out = dir_ + "/mine";
  fs::create_directories(out);
  testing::write_text(out + "/notes.txt", "precious");
  expect_refused(run_command("icma-index", "build --corpus " + corpus_ + " --out " + out),
                 "does not hold an icma index (it has 'notes.txt')", out + "/notes.txt", "precious");
}

TEST_F(Ownership, IndexBuildRefusesADirectoryHoldingItsCorpus) {
  const std::string out = dir_ + "/index";
  ASSERT_EQ(run_command("icma-index", "build --corpus " + corpus_ + " --out " + out).exit_code, 0);
  // The user keeps the corpus inside the index directory and rebuilds.
  const std::string inside = out + "/corpus.tsv";
  testing::write_text(inside, kCorpus);
  expect_refused(run_command("icma-index", "build --corpus " + inside + " --out " + out), "contains the input", inside,
                 kCorpus);
  // The corpus itself as the output.
  expect_refused(run_command("icma-index", "build --corpus " + corpus_ + " --out " + corpus_), "is also an input",
                 corpus_, kCorpus);
}

TEST_F(Ownership, IndexBuildReplacesAnEarlierIndexAndCleansTemporariesOfKilledBuilds) {
  const std::string out = dir_ + "/index";
  ASSERT_EQ(run_command("icma-index", "build --corpus " + corpus_ + " --out " + out).exit_code, 0);
  // A build killed with kill -9 left its staging directory: a pid that ended.
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  const std::string stale = out + ".tmp." + std::to_string(child);
  fs::create_directories(stale + "/bm25");
  const CommandResult rebuilt = run_command("icma-index", "build --corpus " + corpus_ + " --out " + out);
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.output;
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(out + "/manifest.json"));
  EXPECT_FALSE(fs::exists(out + ".icma-lock"));
}

TEST_F(Ownership, NoCommandWritesOverItsInput) {
  const std::string predictions = dir_ + "/predictions.tsv";
  testing::write_text(predictions, kPredictions);
  expect_refused(run_command("icma-eval", "cap2mol " + predictions + " --json " + predictions), "is also an input",
                 predictions, kPredictions);
  expect_refused(run_command("icma-eval", "cap2mol " + predictions + " --per-example " + predictions),
                 "is also an input", predictions, kPredictions);
  // The same path twice as outputs.
  const CommandResult twice =
      run_command("icma-eval", "cap2mol " + predictions + " --json " + dir_ + "/m --per-example " + dir_ + "/m");
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_NE(twice.output.find("two different outputs"), std::string::npos) << twice.output;

  const std::string index = dir_ + "/index";
  ASSERT_EQ(run_command("icma-index", "build --corpus " + corpus_ + " --out " + index).exit_code, 0);
  expect_refused(run_command("icma-retrieve", "--index " + index + " --queries " + corpus_ +
                                                  " --task cap2mol --method bm25 --out " + corpus_),
                 "is also an input", corpus_, kCorpus);
  // A file of the index directory.
  const std::string manifest = read_file(index + "/manifest.json");
  expect_refused(run_command("icma-retrieve", "--index " + index + " --queries " + corpus_ +
                                                  " --task cap2mol --method bm25 --out " + index + "/manifest.json"),
                 "is a file of the input directory", index + "/manifest.json", manifest);
  // Through a symbolic link.
  fs::create_symlink(corpus_, dir_ + "/link.tsv");
  expect_refused(run_command("icma-prompt", "--task cap2mol --zero-shot --dataset " + corpus_ + " --out " + dir_ +
                                                "/link.tsv"),
                 "is also an input", corpus_, kCorpus);

  const std::string prompts = dir_ + "/prompts.jsonl";
  const std::string jsonl = R"({"id":"1","task":"cap2mol","prompt":"Caption: x\nMolecule:","target":" CCO"})" "\n";
  testing::write_text(prompts, jsonl);
  expect_refused(run_command("icma-generate", "--model " + dir_ + " --prompts " + prompts + " --out " + prompts),
                 "is also an input", prompts, jsonl);
  expect_refused(run_command("icma-generate", "score --model " + dir_ + " --prompts " + prompts + " --out " + prompts),
                 "is also an input", prompts, jsonl);
  expect_refused(run_command("icma-train", "--model " + dir_ + " --train " + prompts + " --out " + prompts),
                 "is also an input", prompts, jsonl);
}

TEST_F(Ownership, ASecondWriterOfTheSameOutputIsRefused) {
  const std::string predictions = dir_ + "/predictions.tsv";
  testing::write_text(predictions, kPredictions);
  const std::string out = dir_ + "/metrics.json";
  testing::write_text(out, "earlier");
  {
    OutputLock held(out);  // another run writing metrics.json
    expect_refused(run_command("icma-eval", "cap2mol " + predictions + " --json " + out),
                   "is being written by another process (pid " + std::to_string(getpid()), out, "earlier");
  }
  const CommandResult after = run_command("icma-eval", "cap2mol " + predictions + " --json " + out);
  EXPECT_EQ(after.exit_code, 0) << after.output;
  EXPECT_NE(read_file(out), "earlier");
  EXPECT_FALSE(fs::exists(out + ".icma-lock"));
}

TEST(WriteFailure, NamesTheReason) {
  errno = ENOSPC;
  EXPECT_EQ(write_failure_reason("/tmp/x"), std::strerror(ENOSPC));
  errno = 0;  // a stream that failed without errno: never an empty reason
  EXPECT_FALSE(write_failure_reason(testing::temp_dir() + "/x").empty());
}

// A full disk: a 64 KiB tmpfs in a private mount namespace (needs root or
// user namespaces; skipped where neither is allowed).
TEST_F(Ownership, AFullDiskIsNamedAndLeavesNothingBehind) {
  std::string big = "CID\tSMILES\tdescription\n";
  for (int i = 0; i < 2000; ++i) big += std::to_string(i) + "\tCCO\tThe molecule is ethanol, number " + std::to_string(i) + ".\n";
  testing::write_text(corpus_, big);
  const std::string small = dir_ + "/small";
  fs::create_directories(small);
  const std::string prompt = std::string(ICMA_BIN_DIR) + "/icma-prompt --task mol2cap --zero-shot --dataset " + corpus_ +
                             " --out " + small + "/prompts.jsonl";
  const std::string script = "mount -t tmpfs -o size=64k tmpfs " + small + " || exit 99; " + prompt +
                             "; code=$?; echo \"left: [$(ls -A " + small + ")]\"; exit $code";
  const std::string command = std::string(geteuid() == 0 ? "unshare -m" : "unshare -m -r") + " sh -c '" + script + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = pclose(pipe);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 99 || output.find("unshare") != std::string::npos) GTEST_SKIP() << "cannot mount a tmpfs here: " << output;
  EXPECT_EQ(code, 1) << output;  // not the input's fault: 1, not 2
  EXPECT_NE(output.find("write failed: no space left on the device"), std::string::npos) << output;
  EXPECT_NE(output.find("left: []"), std::string::npos) << "a partial output was left: " << output;
}

TEST_F(Ownership, ThreadsBeyondTheCoresAreCappedWithAWarning) {
  const CommandResult result = run_command(
      "icma-prompt", "--task mol2cap --zero-shot --threads 1000 --dataset " + corpus_ + " --out " + dir_ + "/p.jsonl");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("--threads 1000: this machine has"), std::string::npos) << result.output;
}

}  // namespace
}  // namespace icma
