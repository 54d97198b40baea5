#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "icma/core/atomic_directory.hpp"
#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/core/output_ownership.hpp"
#include "test_support.hpp"

namespace icma {
namespace {
namespace fs = std::filesystem;

std::string scratch(const std::string& name) {
  const std::string dir = testing::temp_dir() + "/ownership/" + name;
  fs::create_directories(dir);
  return dir;
}

TEST(OutputOwnership, AnOutputThatIsAnInputIsRefused) {
  const std::string dir = scratch("inputs");
  const std::string input = dir + "/preds.tsv";
  testing::write_text(input, "x");
  // The same file, however it is spelt.
  for (const std::string& output : {input, dir + "/./preds.tsv", dir + "/../inputs/preds.tsv"}) {
    EXPECT_NE(testing::input_error_message([&] { refuse_output_over_inputs(output, {input}); })
                  .find("is also an input"),
              std::string::npos)
        << output;
  }
  fs::create_symlink(input, dir + "/link.tsv");
  EXPECT_THROW(refuse_output_over_inputs(dir + "/link.tsv", {input}), InputError);
  fs::create_hard_link(input, dir + "/hard.tsv");
  EXPECT_THROW(refuse_output_over_inputs(dir + "/hard.tsv", {input}), InputError);
  // An output directory holding an input, a file inside an input directory.
  EXPECT_NE(testing::input_error_message([&] { refuse_output_over_inputs(dir, {input}); }).find("contains the input"),
            std::string::npos);
  EXPECT_NE(testing::input_error_message([&] { refuse_output_over_inputs(input, {dir}); })
                .find("is a file of the input directory"),
            std::string::npos);
  // Other paths are fine, and a new file inside an input directory too.
  EXPECT_NO_THROW(refuse_output_over_inputs(dir + "/out.tsv", {input, "", "-"}));
  EXPECT_NO_THROW(refuse_output_over_inputs(dir + "/new.tsv", {dir}));
}

TEST(OutputOwnership, ADirectoryIsWrittenOnlyWhenAbsentEmptyOrOfItsKind) {
  const std::string dir = scratch("dirs");
  const auto never = [](const std::string&) { return false; };
  EXPECT_NO_THROW(check_output_directory(dir + "/absent", "an icma index", never));
  fs::create_directories(dir + "/empty");
  EXPECT_NO_THROW(check_output_directory(dir + "/empty", "an icma index", never));
  fs::create_directories(dir + "/mine");
  testing::write_text(dir + "/mine/corpus.tsv", "precious");
  const std::string message =
      testing::input_error_message([&] { check_output_directory(dir + "/mine", "an icma index", never); });
  EXPECT_NE(message.find("does not hold an icma index (it has 'corpus.tsv')"), std::string::npos) << message;
  EXPECT_NO_THROW(check_output_directory(dir + "/mine", "an icma index", [](const std::string&) { return true; }));
  testing::write_text(dir + "/file", "x");
  EXPECT_THROW(check_output_directory(dir + "/file", "an icma index", never), InputError);
}

TEST(OutputOwnership, ASecondWriterOfTheSameOutputIsRefused) {
  const std::string out = scratch("lock") + "/out.tsv";
  {
    OutputClaim first({out}, {});
    EXPECT_TRUE(fs::exists(out + ".icma-lock"));
    // flock locks belong to the open file: another process is refused.
    const pid_t child = fork();
    if (child == 0) {
      int code = 0;
      try {
        OutputLock second(out);
      } catch (const InputError& error) {
        code = std::string(error.what()).find("is being written by another process (pid " +
                                               std::to_string(getppid())) != std::string::npos
                   ? 3
                   : 4;
      }
      _exit(code);
    }
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT_EQ(WEXITSTATUS(status), 3);
  }
  EXPECT_FALSE(fs::exists(out + ".icma-lock"));  // released and removed
  // A lock file left by a killed process is taken over.
  testing::write_text(out + ".icma-lock", "999999999\n");
  EXPECT_NO_THROW(OutputLock again(out));
  // The same path given twice as outputs.
  EXPECT_THROW(OutputClaim({out, out}, {}), InputError);
}

TEST(OutputOwnership, TemporariesOfEndedProcessesAreRemoved) {
  const std::string dir = scratch("stale");
  // A pid that ran and ended: a child that exited at once.
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  const std::string dead = dir + "/index.tmp." + std::to_string(child);
  const std::string alive = dir + "/index.tmp." + std::to_string(getppid());
  fs::create_directories(dead + "/bm25");
  fs::create_directories(alive);
  testing::write_text(dir + "/index.tmp.notapid", "kept");
  {
    AtomicDirectory index(dir + "/index");
    index.commit();
  }
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(alive));
  EXPECT_TRUE(fs::exists(dir + "/index.tmp.notapid"));
  // AtomicFile does the same for files.
  testing::write_text(dir + "/out.tsv.tmp." + std::to_string(child), "half");
  write_file_atomically(dir + "/out.tsv", "whole");
  EXPECT_FALSE(fs::exists(dir + "/out.tsv.tmp." + std::to_string(child)));
}

}  // namespace
}  // namespace icma
