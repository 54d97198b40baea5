#include <gtest/gtest.h>

#include <atomic>
#include <fstream>

#include "icma/core/atomic_file.hpp"
#include "icma/core/config.hpp"
#include "icma/core/error.hpp"
#include "icma/core/parallel.hpp"
#include "icma/core/utf8.hpp"
#include "test_support.hpp"

namespace icma {
namespace {

TEST(InputError, FormatsFileAndLine) {
  EXPECT_STREQ(InputError("a.tsv", 3, "bad").what(), "a.tsv:3: bad");
  EXPECT_STREQ(InputError("a.tsv", 0, "missing").what(), "a.tsv: missing");
  EXPECT_EQ(InputError("a.tsv", 3, "bad").line(), 3u);
}

TEST(Utf8, ValidatesAndFindsTheFirstBadByte) {
  EXPECT_TRUE(utf8::is_valid("plain ascii"));
  EXPECT_TRUE(utf8::is_valid("\xCE\xB1\xE2\x80\x94\xF0\x9F\x98\x80"));  // α — 😀
  EXPECT_EQ(utf8::find_invalid("ab\xFFz"), 2u);
  EXPECT_EQ(utf8::find_invalid("\xC0\xAF"), 0u);          // overlong "/"
  EXPECT_EQ(utf8::find_invalid("x\xED\xA0\x80"), 1u);     // UTF-16 surrogate
  EXPECT_EQ(utf8::find_invalid("\xE2\x80"), 0u);          // truncated
  EXPECT_EQ(utf8::find_invalid("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
}

TEST(Utf8, RoundTripsCodePoints) {
  const std::string text = "C\xCE\xB1\xE2\x80\x94\xF0\x9F\x98\x80";
  const std::u32string points = utf8::decode(text);
  EXPECT_EQ(points, (std::u32string{U'C', U'\u03B1', U'\u2014', U'\U0001F600'}));
  EXPECT_EQ(utf8::encode(points), text);
}

TEST(AtomicFile, OnlyCommittedContentAppears) {
  const std::string path = testing::temp_dir() + "/atomic.txt";
  write_file_atomically(path, "first\n");
  {
    AtomicFile file(path);
    file.stream() << "half-written";
    // destroyed without commit(): an interrupted run
  }
  EXPECT_EQ(read_file(path), "first\n");
  {
    AtomicFile file(path);
    file.stream() << "second\n";
    file.commit();
  }
  EXPECT_EQ(read_file(path), "second\n");
}

TEST(ReadFile, MissingFileIsAnInputError) {
  EXPECT_THROW(read_file(testing::temp_dir() + "/does-not-exist"), InputError);
}

TEST(Config, ReadsValuesAndNamesBadKeys) {
  const std::string path = testing::temp_dir() + "/config.json";
  testing::write_text(path, "{\n  \"k\": 10,\n  \"name\": \"x\"\n}\n");
  const Config config = Config::load(path);
  EXPECT_EQ(config.get<int>("k"), 10);
  EXPECT_EQ(config.get_or<int>("absent", 7), 7);
  try {
    config.get<int>("missing");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("missing key \"missing\""), std::string::npos);
  }
  EXPECT_THROW(config.get<int>("name"), InputError);
}

TEST(Config, SyntaxErrorsNameTheLine) {
  const std::string path = testing::temp_dir() + "/broken.json";
  testing::write_text(path, "{\n  \"k\": 10,\n  oops\n}\n");
  try {
    Config::load(path);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 3u) << e.what();
  }
}

TEST(ParallelFor, VisitsEveryIndexOnce) {
  std::vector<std::atomic<int>> visits(1000);
  parallel_for(visits.size(), 4, 7, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) ++visits[i];
  });
  for (const auto& v : visits) EXPECT_EQ(v.load(), 1);
}

TEST(ParallelFor, RethrowsWorkerExceptions) {
  EXPECT_THROW(parallel_for(100, 2, 1,
                            [](std::size_t begin, std::size_t) {
                              if (begin == 50) throw InputError("boom");
                            }),
               InputError);
}

}  // namespace
}  // namespace icma
