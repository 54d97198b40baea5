// PorterStemmer against NLTK 3.8's PorterStemmer().stem, word for word, and
// python_lower (which it lowercases with) against Python's str.lower.
// Expected values come from tests/fixtures/porter_nltk.json, written by
// tests/reference/make_nltk_fixtures.py. ICMA_NLTK_FIXTURES=DIR points the
// test at another fixture directory (e.g. one written with --full).

#include "icma/text/porter_stemmer.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "icma/core/utf8.hpp"
#include "icma/text/case.hpp"
#include "test_support.hpp"

namespace {

using icma::text::PorterStemmer;

nlohmann::json load_fixture(const std::string& name) {
  const char* override_dir = std::getenv("ICMA_NLTK_FIXTURES");
  if (override_dir != nullptr && *override_dir != '\0') {
    return icma::testing::load_json(std::string(override_dir) + "/" + name);
  }
  return icma::testing::load_json(icma::testing::fixture_path(name));
}

const nlohmann::json& porter_fixture() {
  static const nlohmann::json fixture = load_fixture("porter_nltk.json");
  return fixture;
}

TEST(PorterStemmer, MatchesNltkOnFixtureWords) {
  const PorterStemmer stemmer;
  const auto& stems = porter_fixture().at("stems");
  ASSERT_GT(stems.size(), 1000u);
  std::size_t mismatches = 0;
  for (const auto& pair : stems) {
    const std::string word = pair.at(0).get<std::string>();
    const std::string expected = pair.at(1).get<std::string>();
    const std::string got = stemmer.stem(word);
    if (got != expected && ++mismatches <= 20) {
      ADD_FAILURE() << "stem(\"" << word << "\") = \"" << got << "\", NLTK: \"" << expected << "\"";
    }
  }
  EXPECT_EQ(mismatches, 0u) << "of " << stems.size() << " words";
}

TEST(PorterStemmer, KnownNltkQuirks) {
  const PorterStemmer stemmer;
  EXPECT_EQ(stemmer.stem("dying"), "die");        // irregular-form pool
  EXPECT_EQ(stemmer.stem("skies"), "sky");
  EXPECT_EQ(stemmer.stem("SKIES"), "ski");        // pool is looked up before lowercasing
  EXPECT_EQ(stemmer.stem("news"), "news");
  EXPECT_EQ(stemmer.stem("dies"), "die");         // four-letter -ies
  EXPECT_EQ(stemmer.stem("flies"), "fli");
  EXPECT_EQ(stemmer.stem("IS"), "is");            // len <= 2: only lowercased
  EXPECT_EQ(stemmer.stem("generously"), "gener");
  EXPECT_EQ(stemmer.stem("a*ded"), "ad");         // "*d" also matches literally
  EXPECT_EQ(stemmer.stem("happy"), "happi");
  EXPECT_EQ(stemmer.stem("enjoy"), "enjoy");
  EXPECT_EQ(stemmer.stem(""), "");
  // Python's str.lower: U+0130 becomes two code points, after the length test.
  EXPECT_EQ(stemmer.stem("\xC4\xB0"), "i\xCC\x87");
}

TEST(PorterStemmer, PythonLowerMatchesEveryCodePoint) {
  const auto& table = porter_fixture().at("lower_table");
  ASSERT_GT(table.size(), 1000u);
  std::size_t mismatches = 0;
  for (const auto& entry : table) {
    const char32_t code_point = entry.at(0).get<char32_t>();
    const std::string expected = entry.at(1).get<std::string>();
    const std::string got = icma::text::python_lower(icma::utf8::encode(std::u32string(1, code_point)));
    if (got != expected && ++mismatches <= 20) {
      ADD_FAILURE() << "lower(U+" << std::hex << static_cast<unsigned>(code_point) << ")";
    }
  }
  EXPECT_EQ(mismatches, 0u) << "of " << table.size() << " code points";
}

TEST(PorterStemmer, PythonLowerMatchesInContext) {
  for (const auto& pair : porter_fixture().at("lower_context")) {
    const std::string text = pair.at(0).get<std::string>();
    EXPECT_EQ(icma::text::python_lower(text), pair.at(1).get<std::string>()) << text;
  }
}

TEST(PorterStemmer, IsSafeToShareBetweenThreads) {
  const PorterStemmer stemmer;
  const auto& stems = porter_fixture().at("stems");
  std::vector<std::pair<std::string, std::string>> cases;
  for (const auto& pair : stems) cases.emplace_back(pair.at(0).get<std::string>(), pair.at(1).get<std::string>());
  std::vector<std::size_t> mismatches(4, 0);
  icma::testing::run_concurrently(4, [&](int t) {
    for (const auto& [word, expected] : cases) {
      if (stemmer.stem(word) != expected) ++mismatches[t];
    }
  });
  for (std::size_t count : mismatches) EXPECT_EQ(count, 0u);
}

}  // namespace
