// WordNet against NLTK 3.8's WordNetCorpusReader over the same database.
// Expected values come from tests/fixtures/wordnet_nltk.json, written by
// tests/reference/make_nltk_fixtures.py. The database directory is
// ICMA_WORDNET_DIR (default /usr/share/wordnet); without it the tests skip.
// ICMA_NLTK_FIXTURES=DIR points the test at another fixture directory.

#include "icma/text/wordnet.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "icma/core/error.hpp"
#include "test_support.hpp"

namespace {

using icma::text::WordNet;
namespace fs = std::filesystem;

using icma::testing::wordnet_dir;

nlohmann::json load_fixture(const std::string& name) {
  const char* override_dir = std::getenv("ICMA_NLTK_FIXTURES");
  if (override_dir != nullptr && *override_dir != '\0') {
    return icma::testing::load_json(std::string(override_dir) + "/" + name);
  }
  return icma::testing::load_json(icma::testing::fixture_path(name));
}

const nlohmann::json& wordnet_fixture() {
  static const nlohmann::json fixture = load_fixture("wordnet_nltk.json");
  return fixture;
}

const char* pos_letter(WordNet::Pos pos) {
  switch (pos) {
    case WordNet::Pos::noun: return "n";
    case WordNet::Pos::verb: return "v";
    case WordNet::Pos::adj: return "a";
    case WordNet::Pos::adv: return "r";
  }
  return "?";
}

std::string synset_key(WordNet::SynsetRef s) { return std::string(pos_letter(s.pos)) + ":" + std::to_string(s.offset); }

class WordNetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(wordnet_dir() + "/index.noun")) return;
    wordnet_ = new WordNet(WordNet::open(wordnet_dir()));
  }
  static void TearDownTestSuite() {
    delete wordnet_;
    wordnet_ = nullptr;
  }
  void SetUp() override {
    if (wordnet_ == nullptr) GTEST_SKIP() << "no WordNet database at " << wordnet_dir();
  }
  static const WordNet& wn() { return *wordnet_; }

 private:
  static inline WordNet* wordnet_ = nullptr;
};

TEST_F(WordNetTest, MorphyMatchesNltk) {
  const auto& words = wordnet_fixture().at("words");
  ASSERT_GT(words.size(), 500u);
  std::size_t checked = 0;
  for (const auto& entry : words) {
    const std::string word = entry.at("word").get<std::string>();
    for (WordNet::Pos pos : WordNet::kAllPos) {
      const auto expected = entry.at("morphy").at(pos_letter(pos)).get<std::vector<std::string>>();
      EXPECT_EQ(wn().morphy(word, pos), expected) << "_morphy(\"" << word << "\", " << pos_letter(pos) << ")";
      ++checked;
    }
  }
  EXPECT_EQ(checked, 4 * words.size());
}

TEST_F(WordNetTest, SynsetsMatchNltk) {
  for (const auto& entry : wordnet_fixture().at("words")) {
    const std::string word = entry.at("word").get<std::string>();
    std::vector<std::string> expected;
    for (const auto& s : entry.at("synsets")) {
      expected.push_back(s.at(0).get<std::string>() + ":" + std::to_string(s.at(1).get<std::uint32_t>()));
    }
    std::vector<std::string> got;
    for (const auto& s : wn().synsets(word)) got.push_back(synset_key(s));
    EXPECT_EQ(got, expected) << "synsets(\"" << word << "\")";
  }
}

TEST_F(WordNetTest, LemmaNamesMatchNltk) {
  const auto& lemma_names = wordnet_fixture().at("lemma_names");
  ASSERT_GT(lemma_names.size(), 500u);
  for (const auto& [key, names] : lemma_names.items()) {
    const auto colon = key.find(':');
    WordNet::Pos pos = WordNet::Pos::noun;
    for (WordNet::Pos p : WordNet::kAllPos) {
      if (key.substr(0, colon) == pos_letter(p)) pos = p;
    }
    const WordNet::SynsetRef ref{pos, static_cast<std::uint32_t>(std::stoul(key.substr(colon + 1)))};
    EXPECT_EQ(wn().lemma_names(ref), names.get<std::vector<std::string>>()) << key;
  }
}

TEST_F(WordNetTest, SynonymsMatchNltk) {
  for (const auto& entry : wordnet_fixture().at("words")) {
    const std::string word = entry.at("word").get<std::string>();
    EXPECT_EQ(wn().synonyms(word), entry.at("synonyms").get<std::vector<std::string>>()) << word;
  }
}

TEST_F(WordNetTest, KnownNltkBehaviour) {
  using Pos = WordNet::Pos;
  const std::vector<std::string> goose{"goose"};
  EXPECT_EQ(wn().morphy("geese", Pos::noun), goose);  // noun.exc
  const std::vector<std::string> better{"better", "good", "well"};
  EXPECT_EQ(wn().morphy("better", Pos::adj), better);  // the form itself comes first
  const std::vector<std::string> men{"men", "man"};
  EXPECT_EQ(wn().morphy("men", Pos::noun), men);
  EXPECT_TRUE(wn().synsets("hydroxi").empty());
  EXPECT_TRUE(wn().synsets("").empty());
  // Adjective markers are stripped: data.adj lists "alive(p)".
  const auto alive = wn().synonyms("alive");
  EXPECT_NE(std::find(alive.begin(), alive.end(), "alive"), alive.end());
  for (const auto& name : alive) EXPECT_EQ(name.find('('), std::string::npos) << name;
  // Lowercased before lookup, case kept in lemma names.
  EXPECT_EQ(wn().synonyms("GEESE"), wn().synonyms("geese"));
  const auto us = wn().synonyms("us");
  EXPECT_NE(std::find(us.begin(), us.end(), "United_States"), us.end());
}

TEST_F(WordNetTest, BadOffsetThrowsInputError) {
  EXPECT_THROW(wn().lemma_names({WordNet::Pos::noun, 12345}), icma::InputError);
  EXPECT_THROW(wn().lemma_names({WordNet::Pos::verb, 4000000000u}), icma::InputError);
}

TEST_F(WordNetTest, IsSafeToShareBetweenThreads) {
  const auto& words = wordnet_fixture().at("words");
  std::vector<std::pair<std::string, std::vector<std::string>>> cases;
  for (const auto& entry : words) {
    cases.emplace_back(entry.at("word").get<std::string>(), entry.at("synonyms").get<std::vector<std::string>>());
  }
  std::vector<std::size_t> mismatches(4, 0);
  icma::testing::run_concurrently(4, [&](int t) {
    for (const auto& [word, expected] : cases) {
      if (wn().synonyms(word) != expected) ++mismatches[t];
    }
  });
  for (std::size_t count : mismatches) EXPECT_EQ(count, 0u);
}

TEST_F(WordNetTest, IsMovable) {
  WordNet moved = WordNet::open(wordnet_dir());
  WordNet other = std::move(moved);
  const std::vector<std::string> goose{"goose"};
  EXPECT_EQ(other.morphy("geese", WordNet::Pos::noun), goose);
}

// Start-up and lookup speed, printed for the record (not a pass/fail bound
// beyond a generous sanity limit).
TEST_F(WordNetTest, OpensQuicklyAndLooksUpQuickly) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const WordNet fresh = WordNet::open(wordnet_dir());
  const double open_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();

  std::vector<std::string> words;
  for (const auto& entry : wordnet_fixture().at("words")) words.push_back(entry.at("word").get<std::string>());
  const auto lookups_start = Clock::now();
  std::size_t calls = 0, names = 0;
  while (calls < 20000) {
    for (const auto& word : words) {
      names += fresh.synonyms(word).size();
      ++calls;
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - lookups_start).count();
  std::printf("[ perf     ] WordNet::open %.1f ms; synonyms() %.0f calls/s (%zu calls, %zu names)\n", open_ms,
              calls / seconds, calls, names);
  EXPECT_LT(open_ms, 2000.0);
}

TEST(WordNetOpen, MissingDirectoryThrowsInputError) {
  EXPECT_THROW(WordNet::open("/nonexistent/wordnet"), icma::InputError);
}

TEST(WordNetOpen, GarbledIndexThrowsInputErrorWithLine) {
  const std::string source = wordnet_dir();
  if (!fs::exists(source + "/index.noun")) GTEST_SKIP() << "no WordNet database at " << source;
  const fs::path dir = fs::path(icma::testing::temp_dir()) / "garbled_wordnet";
  fs::create_directories(dir);
  for (const char* name : {"index.verb", "index.adj", "index.adv", "data.noun", "data.verb", "data.adj", "data.adv",
                           "noun.exc", "verb.exc", "adj.exc", "adv.exc"}) {
    fs::copy_file(source + "/" + name, dir / name, fs::copy_options::overwrite_existing);
  }
  icma::testing::write_text((dir / "index.noun").string(),
                            "  1 licence line\ndog n 1 0 1 0 02084071  \ncat n two 0 1 0 1\n");
  try {
    WordNet::open(dir.string());
    ADD_FAILURE() << "expected an InputError";
  } catch (const icma::InputError& error) {
    EXPECT_EQ(error.line(), 3u);
    EXPECT_NE(error.file().find("index.noun"), std::string::npos);
  }
  fs::remove_all(dir);
}

}  // namespace
