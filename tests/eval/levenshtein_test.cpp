// Levenshtein against python-Levenshtein's distance (fixture:
// tests/reference/make_chem_fixtures.py) and against the textbook DP.

#include "icma/eval/levenshtein.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "icma/core/utf8.hpp"
#include "test_support.hpp"

namespace icma::eval {
namespace {

std::size_t textbook_levenshtein(const std::u32string& a, const std::u32string& b) {
  std::vector<std::size_t> previous(b.size() + 1);
  std::vector<std::size_t> current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitute});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::size_t lev(const std::string& a, const std::string& b) {
  return levenshtein(utf8::decode(a), utf8::decode(b));
}

TEST(Levenshtein, MatchesPythonLevenshteinOnTexts) {
  const auto fixture = testing::load_json(testing::fixture_path("chem_rdkit.json"));
  for (const auto& item : fixture["levenshtein"]) {
    const std::string a = item["a"];
    const std::string b = item["b"];
    EXPECT_EQ(lev(a, b), item["lev"].get<std::size_t>()) << "'" << a << "' / '" << b << "'";
    EXPECT_EQ(lev(b, a), item["lev"].get<std::size_t>()) << "'" << b << "' / '" << a << "'";
  }
}

TEST(Levenshtein, MatchesPythonLevenshteinOnSmilesPairs) {
  const auto fixture = testing::load_json(testing::fixture_path("chem_rdkit.json"));
  for (const auto& pair : fixture["pairs"]) {
    const std::string a = pair["a"]["smiles"];
    const std::string b = pair["b"]["smiles"];
    EXPECT_EQ(lev(a, b), pair["lev"].get<std::size_t>()) << "'" << a << "' / '" << b << "'";
  }
}

TEST(Levenshtein, CountsCodePointsNotBytes) {
  EXPECT_EQ(lev("α", "β"), 1u);      // 2 bytes each in UTF-8
  EXPECT_EQ(lev("😀", ""), 1u);      // 4 bytes
  EXPECT_EQ(lev("kitten", "sitting"), 3u);
  EXPECT_EQ(lev("", ""), 0u);
}

// Random strings over small alphabets (many matches) and lengths around the
// 64-character block boundaries, against the textbook DP.
TEST(Levenshtein, AgreesWithTextbookDp) {
  std::mt19937 rng(20240501);
  const std::vector<std::u32string> alphabets = {U"ab", U"CNO()=1", U"αβγ😀a",
                                                 U"abcdefghijklmnopqrstuvwxyz"};
  const std::vector<std::size_t> lengths = {0, 1, 2, 5, 63, 64, 65, 100, 127, 128, 129, 200, 300};
  for (int trial = 0; trial < 600; ++trial) {
    const std::u32string& alphabet = alphabets[trial % alphabets.size()];
    auto random_string = [&](std::size_t length) {
      std::u32string s;
      std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
      for (std::size_t i = 0; i < length; ++i) s.push_back(alphabet[pick(rng)]);
      return s;
    };
    const std::u32string a = random_string(lengths[rng() % lengths.size()]);
    std::u32string b;
    if (trial % 3 == 0) {
      // a near-copy of a: a few random edits
      b = a;
      for (int edit = 0; edit < 1 + trial % 7 && !b.empty(); ++edit) {
        const std::size_t at = rng() % b.size();
        switch (rng() % 3) {
          case 0: b.erase(at, 1); break;
          case 1: b.insert(b.begin() + at, alphabet[rng() % alphabet.size()]); break;
          default: b[at] = alphabet[rng() % alphabet.size()]; break;
        }
      }
    } else {
      b = random_string(lengths[rng() % lengths.size()]);
    }
    ASSERT_EQ(levenshtein(a, b), textbook_levenshtein(a, b)) << "trial " << trial;
    ASSERT_EQ(levenshtein(b, a), textbook_levenshtein(a, b)) << "trial " << trial;
  }
}

}  // namespace
}  // namespace icma::eval
