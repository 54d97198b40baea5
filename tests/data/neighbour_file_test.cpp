#include <gtest/gtest.h>

#include <dirent.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/data/neighbour_file.hpp"
#include "test_support.hpp"

namespace icma::data {
namespace {

using icma::testing::temp_dir;
using icma::testing::write_text;

std::string scratch(const std::string& name) { return temp_dir() + "/neighbour-" + name; }

// The message of the InputError that reading `content` throws ("" if none).
std::string read_error(const std::string& name, const std::string& content) {
  const std::string path = scratch(name);
  write_text(path, content);
  try {
    read_neighbour_file(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* handle = opendir(dir.c_str())) {
    while (const dirent* entry = readdir(handle)) names.emplace_back(entry->d_name);
    closedir(handle);
  }
  return names;
}

// ---- score formatting -------------------------------------------------------------

TEST(NeighbourFileScore, PrintsScoresAsPythonReprDoes) {
  // Expected strings are Python 3's repr() of the same doubles.
  EXPECT_EQ(format_score(0.8), "0.8");
  EXPECT_EQ(format_score(1.0), "1.0");
  EXPECT_EQ(format_score(123.0), "123.0");
  EXPECT_EQ(format_score(146.7263390927887), "146.7263390927887");
  EXPECT_EQ(format_score(89.8307948327), "89.8307948327");
  EXPECT_EQ(format_score(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(format_score(0.0001), "0.0001");
  EXPECT_EQ(format_score(0.00012345), "0.00012345");
  EXPECT_EQ(format_score(1e-05), "1e-05");
  EXPECT_EQ(format_score(1.5e-7), "1.5e-07");
  EXPECT_EQ(format_score(1e15), "1000000000000000.0");
  EXPECT_EQ(format_score(1234567890123456.0), "1234567890123456.0");
  EXPECT_EQ(format_score(1e16), "1e+16");
  EXPECT_EQ(format_score(1e100), "1e+100");
  EXPECT_EQ(format_score(5e-324), "5e-324");
  EXPECT_EQ(format_score(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(format_score(0.0), "0.0");
  EXPECT_EQ(format_score(-0.0), "-0.0");
  EXPECT_EQ(format_score(-2.5), "-2.5");
  EXPECT_EQ(format_score(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(format_score(std::numeric_limits<double>::quiet_NaN()), "nan");
}

// ---- writing and reading ----------------------------------------------------------

TEST(NeighbourFile, WritesTheOfficialLayout) {
  const std::string path = scratch("layout.tsv");
  write_neighbour_file(path, {{"5354212", {{"223997", 0.8211764705882353}, {"5311364", 0.8}}},
                              {"3955", {{"9805944", 1.0}}}});
  EXPECT_EQ(read_file(path),
            "5354212\t223997\t0.8211764705882353\n"
            "5354212\t5311364\t0.8\n"
            "3955\t9805944\t1.0\n");
}

TEST(NeighbourFile, RoundTripsExactly) {
  const std::vector<QueryNeighbours> queries = {
      {"q1", {{"a", 146.7263390927887}, {"b", 0.1 + 0.2}, {"c", 1e-300}}},
      {"q2", {{"a", 1.0}, {"d", -0.0}}},
      {"q3", {{"x y", 5e-324}, {"é", 1.7976931348623157e308}}},
  };
  const std::string path = scratch("roundtrip.tsv");
  write_neighbour_file(path, queries);
  const auto back = read_neighbour_file(path);
  ASSERT_EQ(back.size(), queries.size());
  for (std::size_t q = 0; q < queries.size(); ++q) {
    EXPECT_EQ(back[q].query_id, queries[q].query_id);
    ASSERT_EQ(back[q].neighbours.size(), queries[q].neighbours.size());
    for (std::size_t i = 0; i < queries[q].neighbours.size(); ++i) {
      EXPECT_EQ(back[q].neighbours[i].neighbour_id, queries[q].neighbours[i].neighbour_id);
      EXPECT_EQ(back[q].neighbours[i].score, queries[q].neighbours[i].score);  // bit for bit
      EXPECT_EQ(std::signbit(back[q].neighbours[i].score), std::signbit(queries[q].neighbours[i].score));
    }
  }
}

TEST(NeighbourFile, ReadsGroupsInFileOrder) {
  const std::string path = scratch("groups.tsv");
  write_text(path, "b\t1\t3.5\nb\t2\t2.25\na\t7\t1e-05\nc\t1\t0.5\nc\t9\t0.25\n");
  const auto queries = read_neighbour_file(path);
  ASSERT_EQ(queries.size(), 3u);
  EXPECT_EQ(queries[0].query_id, "b");
  EXPECT_EQ(queries[0].neighbours.size(), 2u);
  EXPECT_EQ(queries[0].neighbours[1].neighbour_id, "2");
  EXPECT_EQ(queries[0].neighbours[1].score, 2.25);
  EXPECT_EQ(queries[1].query_id, "a");
  EXPECT_EQ(queries[1].neighbours[0].score, 1e-05);
  EXPECT_EQ(queries[2].neighbours.size(), 2u);
}

TEST(NeighbourFile, ToleratesCrlfTrailingBlankLinesAndNoFinalNewline) {
  const std::string crlf = scratch("crlf.tsv");
  write_text(crlf, "q\tn1\t0.5\r\nq\tn2\t0.25\r\n\r\n\n");
  const auto a = read_neighbour_file(crlf);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].neighbours[1].neighbour_id, "n2");
  EXPECT_EQ(a[0].neighbours[1].score, 0.25);

  const std::string unterminated = scratch("unterminated.tsv");
  write_text(unterminated, "q\tn1\t0.5\nq\tn2\t0.25");
  EXPECT_EQ(read_neighbour_file(unterminated)[0].neighbours.size(), 2u);
}

TEST(NeighbourFile, EmptyFileHasNoQueries) {
  const std::string path = scratch("empty.tsv");
  write_text(path, "");
  EXPECT_TRUE(read_neighbour_file(path).empty());
  write_neighbour_file(path, {});
  EXPECT_EQ(read_file(path), "");
}

TEST(NeighbourFile, QueryWithoutNeighboursWritesNoLines) {
  const std::string path = scratch("no-neighbours.tsv");
  write_neighbour_file(path, {{"q1", {}}, {"q2", {{"n", 0.5}}}});
  EXPECT_EQ(read_file(path), "q2\tn\t0.5\n");
}

TEST(NeighbourFile, ReplacesAnExistingFileAndLeavesNoTemporaryFiles) {
  const std::string dir = temp_dir() + "/neighbour-atomic";
  ASSERT_EQ(system(("mkdir -p " + dir).c_str()), 0);
  const std::string path = dir + "/out.tsv";
  write_text(path, "old content\n");
  write_neighbour_file(path, {{"q", {{"n", 0.5}}}});
  EXPECT_EQ(read_file(path), "q\tn\t0.5\n");
  // A failed write (bad id) leaves the old file as it was, and no debris.
  EXPECT_THROW(write_neighbour_file(path, {{"q", {{"bad\tid", 0.5}}}}), InputError);
  EXPECT_EQ(read_file(path), "q\tn\t0.5\n");
  for (const auto& name : files_in(dir)) EXPECT_TRUE(name == "." || name == ".." || name == "out.tsv") << name;
}

// ---- writer errors ----------------------------------------------------------------

TEST(NeighbourFileWrite, RejectsIdsThatWouldBreakTheFormat) {
  const std::string path = scratch("bad-ids.tsv");
  EXPECT_THROW(write_neighbour_file(path, {{"q\t1", {{"n", 1.0}}}}), InputError);
  EXPECT_THROW(write_neighbour_file(path, {{"q", {{"n\n", 1.0}}}}), InputError);
  EXPECT_THROW(write_neighbour_file(path, {{"q\r", {{"n", 1.0}}}}), InputError);
  EXPECT_THROW(write_neighbour_file(path, {{"", {{"n", 1.0}}}}), InputError);
  EXPECT_THROW(write_neighbour_file(path, {{"q", {{"", 1.0}}}}), InputError);
  try {
    write_neighbour_file(path, {{"q", {{"a\tb", 1.0}}}});
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("neighbour id 'a\tb' contains a tab or line break"), std::string::npos)
        << e.what();
  }
}

TEST(NeighbourFileWrite, RejectsARepeatedQueryId) {
  EXPECT_THROW(write_neighbour_file(scratch("dup.tsv"), {{"q", {{"a", 1.0}}}, {"r", {{"a", 1.0}}}, {"q", {{"b", 0.5}}}}),
               InputError);
}

TEST(NeighbourFileWrite, RejectsNonFiniteScores) {
  EXPECT_THROW(write_neighbour_file(scratch("nan.tsv"), {{"q", {{"a", std::nan("")}}}}), Error);
  EXPECT_THROW(write_neighbour_file(scratch("inf.tsv"), {{"q", {{"a", HUGE_VAL}}}}), Error);
}

// ---- reader errors: file:line messages --------------------------------------------

TEST(NeighbourFileRead, MissingFile) {
  EXPECT_THROW(read_neighbour_file(scratch("does-not-exist.tsv")), InputError);
}

TEST(NeighbourFileRead, WrongFieldCount) {
  const std::string two = read_error("two.tsv", "q\ta\t0.5\nq\tb\n");
  EXPECT_NE(two.find("two.tsv:2: expected 3 tab-separated fields (query_id, neighbour_id, score), found 2"),
            std::string::npos)
      << two;
  const std::string four = read_error("four.tsv", "q\ta\t0.5\textra\n");
  EXPECT_NE(four.find("four.tsv:1: expected 3 tab-separated fields"), std::string::npos) << four;
  EXPECT_NE(four.find("found 4"), std::string::npos) << four;
  const std::string one = read_error("one.tsv", "q a 0.5\n");
  EXPECT_NE(one.find("one.tsv:1: expected 3 tab-separated fields"), std::string::npos) << one;
}

TEST(NeighbourFileRead, UnparsableScore) {
  const std::string word = read_error("word.tsv", "q\ta\t0.5\nq\tb\t0.4\nq\tc\thigh\n");
  EXPECT_NE(word.find("word.tsv:3: score 'high' is not a finite decimal number"), std::string::npos) << word;
  EXPECT_NE(read_error("junk.tsv", "q\ta\t0.5x\n").find("junk.tsv:1: score '0.5x'"), std::string::npos);
  EXPECT_NE(read_error("space.tsv", "q\ta\t 0.5\n").find("space.tsv:1: score"), std::string::npos);
  EXPECT_NE(read_error("blank-score.tsv", "q\ta\t\n").find("blank-score.tsv:1: score ''"), std::string::npos);
  EXPECT_NE(read_error("nan.tsv", "q\ta\tnan\n").find("nan.tsv:1: score 'nan'"), std::string::npos);
  EXPECT_NE(read_error("inf.tsv", "q\ta\tinf\n").find("inf.tsv:1: score 'inf'"), std::string::npos);
}

TEST(NeighbourFileRead, AHeaderLineIsExplained) {
  const std::string header = read_error("header.tsv", "query_id\tneighbour_id\tscore\nq\ta\t0.5\n");
  EXPECT_NE(header.find("header.tsv:1: score 'score' is not a finite decimal number (neighbour files have no header line)"),
            std::string::npos)
      << header;
}

TEST(NeighbourFileRead, EmptyIds) {
  EXPECT_NE(read_error("empty-query.tsv", "q\ta\t0.5\n\tb\t0.4\n").find("empty-query.tsv:2: empty query id"),
            std::string::npos);
  EXPECT_NE(read_error("empty-neighbour.tsv", "q\t\t0.5\n").find("empty-neighbour.tsv:1: empty neighbour id"),
            std::string::npos);
}

TEST(NeighbourFileRead, QueryIdReappearingAfterAnotherBlock) {
  const std::string message = read_error("reappear.tsv", "q1\ta\t0.5\nq1\tb\t0.4\nq2\ta\t0.9\nq1\tc\t0.3\n");
  EXPECT_NE(message.find("reappear.tsv:4: query id 'q1' appears again after other queries (its block ended at line 2)"),
            std::string::npos)
      << message;
}

TEST(NeighbourFileRead, BlankLineInsideTheFile) {
  const std::string message = read_error("blank.tsv", "q1\ta\t0.5\n\nq2\ta\t0.9\n");
  EXPECT_NE(message.find("blank.tsv:2: blank line inside the file"), std::string::npos) << message;
}

TEST(NeighbourFileRead, ARepeatedNeighbourAControlCharacterOrInvalidUtf8) {
  std::string message = read_error("repeat.tsv", "q1\ta\t0.5\nq1\tb\t0.4\nq1\ta\t0.3\nq2\ta\t0.9\n");
  EXPECT_NE(message.find("repeat.tsv:3: neighbour 'a' of query 'q1' repeats line 1"), std::string::npos) << message;
  message = read_error("nul.tsv", std::string("q1\ta\0\t0.5\n", 10));
  EXPECT_NE(message.find("nul.tsv:1: control character U+0000 at byte 5 of the line"), std::string::npos) << message;
  message = read_error("utf8.tsv", "q1\ta\xff\t0.5\n");
  EXPECT_NE(message.find("utf8.tsv:1: invalid UTF-8 at byte 5"), std::string::npos) << message;
}

TEST(NeighbourFileRead, AByteOrderMarkIsNotPartOfTheFirstQueryId) {
  const std::string path = scratch("bom.tsv");
  write_text(path, "\xEF\xBB\xBFq1\ta\t0.5\n");
  const auto queries = read_neighbour_file(path);
  ASSERT_EQ(queries.size(), 1u);
  EXPECT_EQ(queries[0].query_id, "q1");
}

}  // namespace
}  // namespace icma::data
