#include <gtest/gtest.h>

#include <filesystem>

#include "icma/core/atomic_directory.hpp"
#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/core/sha256.hpp"
#include "test_support.hpp"

namespace icma {
namespace {
namespace fs = std::filesystem;

TEST(Sha256, MatchesTheFips180TestVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string path = testing::temp_dir() + "/sha.txt";
  // Larger than the 64 KiB read buffer, so the digest is fed in pieces.
  std::string big(200000, 'a');
  testing::write_text(path, big);
  EXPECT_EQ(sha256_file_hex(path), sha256_hex(big));
  EXPECT_THROW(sha256_file_hex(testing::temp_dir() + "/missing"), InputError);
}

TEST(AtomicDirectory, ReplacesTheOldDirectoryOnlyOnCommit) {
  const std::string path = testing::temp_dir() + "/index";
  {
    AtomicDirectory first(path);
    testing::write_text(first.staging_path() + "/version", "1");
    first.commit();
  }
  EXPECT_EQ(read_file(path + "/version"), "1");
  {
    AtomicDirectory interrupted(path);
    testing::write_text(interrupted.staging_path() + "/version", "2");
    // destroyed without commit(): a crash mid-build
  }
  EXPECT_EQ(read_file(path + "/version"), "1");
  {
    AtomicDirectory second(path);
    testing::write_text(second.staging_path() + "/version", "3");
    second.commit();
  }
  EXPECT_EQ(read_file(path + "/version"), "3");
  // Nothing left beside it.
  std::size_t entries = 0;
  for (const auto& entry : fs::directory_iterator(testing::temp_dir())) {
    entries += entry.path().filename().string().rfind("index", 0) == 0 ? 1 : 0;
  }
  EXPECT_EQ(entries, 1u);
}

}  // namespace
}  // namespace icma
