// BM25: the analyzers, rank_bm25's scoring rules on hand-made corpora, the
// on-disk index (Lucene++) and its errors, and agreement with rank_bm25's
// BM25Okapi on ChEBI-20 (fixture: tests/reference/make_bm25_fixtures.py).

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <unordered_map>

#include "icma/core/error.hpp"
#include "icma/data/dataset.hpp"
#include "icma/retrieval/bm25.hpp"
#include "test_support.hpp"

namespace icma::retrieval {
namespace {

using Tokens = std::vector<std::string>;
namespace fs = std::filesystem;

// A fresh, not yet existing index path for each call.
std::string new_index_dir(const std::string& name) {
  static int counter = 0;
  return testing::temp_dir() + "/bm25-" + name + "-" + std::to_string(counter++);
}

Bm25Index build_and_open(const std::vector<std::string>& documents, Bm25Analyzer analyzer = Bm25Analyzer::icma,
                         const std::string& name = "index") {
  const std::string dir = new_index_dir(name);
  Bm25Index::build(dir, documents, analyzer);
  return Bm25Index::open(dir);
}

std::vector<std::uint32_t> rows_of(const std::vector<Neighbour>& neighbours) {
  std::vector<std::uint32_t> rows;
  for (const Neighbour& n : neighbours) rows.push_back(n.row);
  return rows;
}

// rank_bm25 0.2.2's BM25Okapi written out plainly from its definition, over
// token lists: an independent check of the index (the Lucene++ round trip,
// the vocabulary order, the precomputed weights).
class NaiveOkapi {
 public:
  explicit NaiveOkapi(const std::vector<Tokens>& corpus) {
    std::vector<std::string> vocabulary;  // first-appearance order
    std::unordered_map<std::string, int> document_frequency;
    long total = 0;
    for (const Tokens& document : corpus) {
      std::map<std::string, int> tf;
      for (const std::string& token : document) {
        ++tf[token];
        if (document_frequency.count(token) == 0) {
          document_frequency[token] = 0;
          vocabulary.push_back(token);
        }
      }
      for (const auto& [token, count] : tf) ++document_frequency[token];
      term_frequencies_.push_back(tf);
      lengths_.push_back(static_cast<double>(document.size()));
      total += static_cast<long>(document.size());
    }
    const double n = static_cast<double>(corpus.size());
    avgdl_ = static_cast<double>(total) / n;
    double sum = 0;
    for (const std::string& token : vocabulary) {
      const double df = document_frequency[token];
      idf_[token] = std::log(n - df + 0.5) - std::log(df + 0.5);
      sum += idf_[token];
    }
    const double eps = 0.25 * (sum / static_cast<double>(vocabulary.size()));
    for (auto& [token, idf] : idf_) {
      if (idf < 0) idf = eps;
    }
  }

  std::vector<double> scores(const Tokens& query) const {
    std::vector<double> score(lengths_.size(), 0.0);
    for (const std::string& token : query) {
      const auto idf = idf_.find(token);
      if (idf == idf_.end()) continue;
      for (std::size_t d = 0; d < score.size(); ++d) {
        const auto tf = term_frequencies_[d].find(token);
        if (tf == term_frequencies_[d].end()) continue;
        const double freq = tf->second;
        score[d] += idf->second * (freq * (1.5 + 1) / (freq + 1.5 * (1 - 0.75 + 0.75 * lengths_[d] / avgdl_)));
      }
    }
    return score;
  }

 private:
  std::vector<std::map<std::string, int>> term_frequencies_;
  std::vector<double> lengths_;
  std::unordered_map<std::string, double> idf_;
  double avgdl_ = 0;
};

// ---- analyzers ------------------------------------------------------------------

TEST(Bm25Tokenize, IcmaReplacesSeparatorsAndDeletesDots) {
  EXPECT_EQ(bm25_tokenize(Bm25Analyzer::icma, "a-b,c(d).e"), (Tokens{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(bm25_tokenize(Bm25Analyzer::icma, "It is a beta-D-glucoside."), (Tokens{"It", "is", "a", "beta", "D", "glucoside"}));
  // '.' is deleted, not replaced: the pieces join.
  EXPECT_EQ(bm25_tokenize(Bm25Analyzer::icma, "1.5 e.g."), (Tokens{"15", "eg"}));
}

TEST(Bm25Tokenize, IcmaSplitsLikePythonStrSplit) {
  // Separators at either end leave an empty token there, as " x".split(" ").
  EXPECT_EQ(bm25_tokenize(Bm25Analyzer::icma, "(2R)-2-hydroxy"), (Tokens{"", "2R", "2", "hydroxy"}));
  EXPECT_EQ(bm25_tokenize(Bm25Analyzer::icma, "an acid (CHEBI:1)."), (Tokens{"an", "acid", "CHEBI:1", ""}));
  EXPECT_EQ(bm25_tokenize(Bm25Analyzer::icma, " a "), (Tokens{"", "a", ""}));
  EXPECT_EQ(bm25_tokenize(Bm25Analyzer::icma, ""), (Tokens{""}));
  EXPECT_EQ(bm25_tokenize(Bm25Analyzer::icma, "..."), (Tokens{""}));
  EXPECT_EQ(bm25_tokenize(Bm25Analyzer::icma, " "), (Tokens{"", ""}));
  EXPECT_EQ(bm25_tokenize(Bm25Analyzer::icma, "-"), (Tokens{"", ""}));
  // Runs of spaces, made or given, collapse to one separator.
  EXPECT_EQ(bm25_tokenize(Bm25Analyzer::icma, "a   b - ( c"), (Tokens{"a", "b", "c"}));
  EXPECT_EQ(bm25_tokenize(Bm25Analyzer::icma, "a . b"), (Tokens{"a", "b"}));
}

TEST(Bm25Tokenize, IcmaKeepsCaseAndOtherCharacters) {
  EXPECT_EQ(bm25_tokenize(Bm25Analyzer::icma, "The THE the"), (Tokens{"The", "THE", "the"}));
  // Only ' ' separates: tabs and non-ASCII stay inside tokens.
  EXPECT_EQ(bm25_tokenize(Bm25Analyzer::icma, "a\tb \xCE\xB1-D"), (Tokens{"a\tb", "\xCE\xB1", "D"}));
}

TEST(Bm25Tokenize, StandardIsLuceneLowerCasedWithoutStopWords) {
  // Lucene's default stop words ("the", "is", "a", "an", "of") are all kept.
  EXPECT_EQ(bm25_tokenize(Bm25Analyzer::standard, "The molecule is a Beta-D-glucoside, an (R)-acid of CO2."),
            (Tokens{"the", "molecule", "is", "a", "beta", "d", "glucoside", "an", "r", "acid", "of", "co2"}));
  EXPECT_EQ(bm25_tokenize(Bm25Analyzer::standard, ""), Tokens{});
  EXPECT_EQ(bm25_tokenize(Bm25Analyzer::standard, " ( - ) . "), Tokens{});
  EXPECT_EQ(bm25_tokenize(Bm25Analyzer::standard, "\xCE\x91lpha"), Tokens{"\xCE\xB1lpha"});
  // Longer than StandardAnalyzer's default limit of 255, kept whole.
  const std::string long_word(300, 'x');
  EXPECT_EQ(bm25_tokenize(Bm25Analyzer::standard, "a " + long_word), (Tokens{"a", long_word}));
}

TEST(Bm25Tokenize, ParsesAnalyzerNames) {
  EXPECT_EQ(parse_bm25_analyzer("icma"), Bm25Analyzer::icma);
  EXPECT_EQ(parse_bm25_analyzer("standard"), Bm25Analyzer::standard);
  EXPECT_EQ(bm25_analyzer_name(Bm25Analyzer::standard), "standard");
  EXPECT_THROW(parse_bm25_analyzer("Standard"), InputError);
  EXPECT_THROW(parse_bm25_analyzer(""), InputError);
}

// ---- scoring rules --------------------------------------------------------------

TEST(Bm25Index, NegativeIdfBecomesEpsilonTimesMeanIdf) {
  // "a" is in all 5 documents: idf ln(0.5) - ln(5.5) < 0. The mean runs over
  // the whole vocabulary a, b, c, d, e, f.
  const Bm25Index index = build_and_open({"a b", "a c", "a d", "a e", "a f"});
  const double idf_a = std::log(0.5) - std::log(5.5);
  const double idf_rare = std::log(4.5) - std::log(1.5);
  const double eps = 0.25 * ((idf_a + 5 * idf_rare) / 6);
  ASSERT_GT(eps, 0.0);
  // Every document is 2 tokens long, = avgdl: tf 1 gives 1 * 2.5 / (1 + 1.5).
  const double saturation = 1.0;
  const std::vector<double> a = index.scores("a");
  ASSERT_EQ(a.size(), 5u);
  for (const double score : a) EXPECT_DOUBLE_EQ(score, eps * saturation);
  EXPECT_EQ(index.scores("c"), (std::vector<double>{0.0, idf_rare * saturation, 0.0, 0.0, 0.0}));
}

TEST(Bm25Index, NegativeMeanIdfGivesCommonWordsNegativeScores) {
  // Here the mean idf is itself negative (a and c are in 3 of 4 documents),
  // so epsilon * mean is too, as in rank_bm25: rows with the common word
  // score below rows without it.
  const Bm25Index index = build_and_open({"a c", "a c", "a c", "b"});
  const double common = std::log(1.5) - std::log(3.5);
  const double rare = std::log(3.5) - std::log(1.5);
  const double eps = 0.25 * ((common + common + rare) / 3);
  ASSERT_LT(eps, 0.0);
  const double avgdl = 7.0 / 4.0;
  const double expected = eps * (1 * 2.5 / (1 + 1.5 * (0.25 + 0.75 * 2 / avgdl)));
  EXPECT_DOUBLE_EQ(index.scores("a")[0], expected);
  EXPECT_EQ(rows_of(index.top_k("a", 2)), (std::vector<std::uint32_t>{3, 0}));
}

TEST(Bm25Index, TermInHalfTheDocumentsHasIdfZero) {
  // n(t) = N/2: ln(N/2 + 0.5) - ln(N/2 + 0.5) = 0, not negative, so no floor.
  const Bm25Index index = build_and_open({"x y", "y z", "z w", "w v"});
  EXPECT_EQ(index.scores("y"), std::vector<double>(4, 0.0));
}

TEST(Bm25Index, LengthNormalisationAndTermFrequency) {
  const std::vector<std::string> corpus = {"x y y", "y z", "w w w w w z", "q"};
  const Bm25Index index = build_and_open(corpus);
  std::vector<Tokens> tokens;
  for (const auto& document : corpus) tokens.push_back(bm25_tokenize(Bm25Analyzer::icma, document));
  const NaiveOkapi naive(tokens);
  for (const char* query : {"y", "z", "w", "y z w", "x q"}) {
    const auto expected = naive.scores(bm25_tokenize(Bm25Analyzer::icma, query));
    const auto actual = index.scores(query);
    ASSERT_EQ(actual.size(), expected.size());
    for (std::size_t d = 0; d < expected.size(); ++d) EXPECT_DOUBLE_EQ(actual[d], expected[d]) << query << " row " << d;
  }
}

TEST(Bm25Index, RepeatedQueryTokensCountEachTime) {
  const Bm25Index index = build_and_open({"x y", "y z", "z w", "w v", "v u"});
  const auto once = index.scores("y");
  const auto twice = index.scores("y y");
  const auto thrice = index.scores("y-y(y)");
  for (std::size_t d = 0; d < once.size(); ++d) {
    EXPECT_EQ(twice[d], once[d] + once[d]);
    EXPECT_EQ(thrice[d], once[d] + once[d] + once[d]);
  }
  EXPECT_GT(once[0], 0.0);
}

TEST(Bm25Index, UnknownTokensScoreZero) {
  const Bm25Index index = build_and_open({"x y", "y z", "z w", "w v", "v u"});
  EXPECT_EQ(index.scores("nothing here"), std::vector<double>(5, 0.0));
  EXPECT_EQ(index.scores("Y"), std::vector<double>(5, 0.0));  // case matters
  EXPECT_EQ(index.scores("nothing y here"), index.scores("y"));
}

TEST(Bm25Index, EmptyTokensAreTermsToo) {
  // "acid )." ends in an empty token; so does the query "." (one empty token).
  const std::vector<std::string> corpus = {"an acid ).", "a base", "(x) y", "z", "a salt"};
  const Bm25Index index = build_and_open(corpus);
  std::vector<Tokens> tokens;
  for (const auto& document : corpus) tokens.push_back(bm25_tokenize(Bm25Analyzer::icma, document));
  const auto expected = NaiveOkapi(tokens).scores({""});
  const auto actual = index.scores("");
  EXPECT_GT(actual[0], 0.0);
  EXPECT_EQ(actual[1], 0.0);
  EXPECT_GT(actual[2], 0.0);
  for (std::size_t d = 0; d < expected.size(); ++d) EXPECT_DOUBLE_EQ(actual[d], expected[d]);
}

TEST(Bm25Index, TopKOrdersByScoreThenRow) {
  // Rows 1, 3 and 4 tie; row 2 does not match and comes after all matches.
  const Bm25Index index = build_and_open({"b", "a c", "d", "a c", "a c", "a a c"});
  EXPECT_EQ(rows_of(index.top_k("a", 6)), (std::vector<std::uint32_t>{5, 1, 3, 4, 0, 2}));
  EXPECT_EQ(rows_of(index.top_k("a", 3)), (std::vector<std::uint32_t>{5, 1, 3}));
  const auto top = index.top_k("a", 10);
  ASSERT_EQ(top.size(), 6u);  // no more than the corpus has
  EXPECT_EQ(top[1].score, top[2].score);
  EXPECT_EQ(top[4].score, 0.0);
  EXPECT_TRUE(index.top_k("a", 0).empty());
}

TEST(Bm25Index, TopKExcludesOneRow) {
  const Bm25Index index = build_and_open({"a c", "a c", "a c", "b", "d", "e", "f"});
  EXPECT_EQ(rows_of(index.top_k("a", 2, 0)), (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(rows_of(index.top_k("a", 2, 1)), (std::vector<std::uint32_t>{0, 2}));
  EXPECT_EQ(rows_of(index.top_k("a", 10, 3)), (std::vector<std::uint32_t>{0, 1, 2, 4, 5, 6}));
  EXPECT_THROW(index.top_k("a", 2, 7), std::out_of_range);
}

TEST(Bm25Index, EmptyCorpusAndEmptyQuery) {
  const Bm25Index empty = build_and_open({});
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_TRUE(empty.scores("a").empty());
  EXPECT_TRUE(empty.top_k("a", 5).empty());

  // Under `standard` an empty query has no tokens: every row scores 0 and
  // top_k falls back to corpus order.
  const Bm25Index standard = build_and_open({"a", "b", "", "c"}, Bm25Analyzer::standard);
  EXPECT_EQ(standard.scores(""), std::vector<double>(4, 0.0));
  EXPECT_EQ(rows_of(standard.top_k("", 2)), (std::vector<std::uint32_t>{0, 1}));
  EXPECT_EQ(rows_of(standard.top_k("c", 2)), (std::vector<std::uint32_t>{3, 0}));
}

TEST(Bm25Index, StandardAnalyzerIndex) {
  const std::vector<std::string> corpus = {"The Acid is an ACID.", "a base", "The molecule, an acid-base pair", "Water", "Salt",
                                           "Sugar"};
  const Bm25Index index = build_and_open(corpus, Bm25Analyzer::standard);
  EXPECT_EQ(index.analyzer(), Bm25Analyzer::standard);
  std::vector<Tokens> tokens;
  for (const auto& document : corpus) tokens.push_back(bm25_tokenize(Bm25Analyzer::standard, document));
  const NaiveOkapi naive(tokens);
  for (const char* query : {"ACID", "the acid", "An", "water water base"}) {
    const auto expected = naive.scores(bm25_tokenize(Bm25Analyzer::standard, query));
    const auto actual = index.scores(query);
    for (std::size_t d = 0; d < expected.size(); ++d) EXPECT_DOUBLE_EQ(actual[d], expected[d]) << query << " row " << d;
  }
  EXPECT_GT(index.scores("the")[0], 0.0);  // a stop word in Lucene's default list
}

TEST(Bm25Index, KeepsParametersAndAnalyzer) {
  const std::string dir = new_index_dir("params");
  Bm25Index::build(dir, {"a b", "b c", "c d", "d e"}, Bm25Analyzer::icma, Bm25Params{1.2, 0.5, 0.1});
  const Bm25Index index = Bm25Index::open(dir);
  EXPECT_EQ(index.params().k1, 1.2);
  EXPECT_EQ(index.params().b, 0.5);
  EXPECT_EQ(index.params().epsilon, 0.1);
  EXPECT_EQ(index.analyzer(), Bm25Analyzer::icma);
  EXPECT_EQ(index.size(), 4u);
  // a: n=1 of N=4, tf 1, |d| = avgdl = 2, so the length factor is k1.
  const double idf = std::log(3.5) - std::log(1.5);
  EXPECT_DOUBLE_EQ(index.scores("a")[0], idf * (1 * 2.2 / (1 + 1.2)));
}

// ---- the index on disk ----------------------------------------------------------

TEST(Bm25Index, BuildRefusesAnExistingDirectoryAndBadText) {
  const std::string dir = new_index_dir("exists");
  fs::create_directories(dir);
  EXPECT_THROW(Bm25Index::build(dir, {"a"}, Bm25Analyzer::icma), InputError);

  const std::string bad_utf8 = new_index_dir("utf8");
  EXPECT_THROW(Bm25Index::build(bad_utf8, {"ok", "caf\xC3"}, Bm25Analyzer::icma), InputError);
  EXPECT_FALSE(fs::exists(bad_utf8));

  const std::string too_long = new_index_dir("long");
  EXPECT_THROW(Bm25Index::build(too_long, {"a " + std::string(20000, 'x')}, Bm25Analyzer::icma), InputError);
  EXPECT_FALSE(fs::exists(too_long));
  // No staging directories are left behind either.
  for (const auto& entry : fs::directory_iterator(testing::temp_dir())) {
    EXPECT_EQ(entry.path().string().find(".partial-"), std::string::npos) << entry.path();
  }
}

TEST(Bm25Index, OpenRejectsMissingAndGarbageDirectories) {
  EXPECT_THROW(Bm25Index::open(new_index_dir("missing")), InputError);

  const std::string empty_dir = new_index_dir("empty");
  fs::create_directories(empty_dir);
  EXPECT_THROW(Bm25Index::open(empty_dir), InputError);

  const std::string garbage = new_index_dir("garbage");
  fs::create_directories(garbage + "/lucene");
  testing::write_text(garbage + "/bm25.json", "{ not json");
  EXPECT_THROW(Bm25Index::open(garbage), InputError);

  // A good bm25.json over a garbage Lucene++ index.
  const std::string good = new_index_dir("good");
  Bm25Index::build(good, {"a b", "c"}, Bm25Analyzer::icma);
  const std::string bad_lucene = new_index_dir("bad-lucene");
  fs::create_directories(bad_lucene + "/lucene");
  fs::copy_file(good + "/bm25.json", bad_lucene + "/bm25.json");
  testing::write_text(bad_lucene + "/lucene/segments.gen", "garbage");
  testing::write_text(bad_lucene + "/lucene/segments_1", "garbage garbage garbage");
  try {
    Bm25Index::open(bad_lucene);
    FAIL() << "expected InputError";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("bad-lucene"), std::string::npos) << error.what();
  }
}

TEST(Bm25Index, OpenNoticesLengthsThatDisagreeWithTheTerms) {
  const std::string dir = new_index_dir("tampered");
  Bm25Index::build(dir, {"a b", "c"}, Bm25Analyzer::icma);
  auto meta = testing::load_json(dir + "/bm25.json");
  meta["document_lengths"][0] = 3;
  meta["total_tokens"] = 4;
  testing::write_text(dir + "/bm25.json", meta.dump());
  EXPECT_THROW(Bm25Index::open(dir), InputError);
}

TEST(Bm25Index, ConcurrentQueriesAgree) {
  std::vector<std::string> corpus;
  for (int i = 0; i < 200; ++i) {
    corpus.push_back("word" + std::to_string(i % 7) + " common " + "w" + std::to_string(i % 13) + " x" + std::to_string(i));
  }
  for (const Bm25Analyzer analyzer : {Bm25Analyzer::icma, Bm25Analyzer::standard}) {
    const Bm25Index index = build_and_open(corpus, analyzer);
    std::vector<std::vector<Neighbour>> expected;
    for (int q = 0; q < 50; ++q) expected.push_back(index.top_k(corpus[q * 3], 5, q * 3));
    std::vector<int> mismatches(4, 0);
    testing::run_concurrently(4, [&](int t) {
      for (int round = 0; round < 5; ++round) {
        for (int q = 0; q < 50; ++q) {
          const auto got = index.top_k(corpus[q * 3], 5, q * 3);
          for (std::size_t i = 0; i < got.size(); ++i) {
            if (got[i].row != expected[q][i].row || got[i].score != expected[q][i].score) ++mismatches[t];
          }
        }
      }
    });
    EXPECT_EQ(mismatches, std::vector<int>(4, 0));
  }
}

// ---- ChEBI-20 against rank_bm25 ---------------------------------------------------

std::vector<std::string> read_captions(const std::string& path) {
  std::vector<std::string> captions;
  for (const auto& record : data::read_dataset(path).records) captions.push_back(record.description);
  return captions;
}

double relative_error(double actual, double expected) {
  if (actual == expected) return 0.0;
  return std::abs(actual - expected) / std::max(std::abs(expected), 1e-300);
}

TEST(Bm25Reference, MatchesRankBm25OnChebi20) {
  const std::string corpus_path = testing::shared_dir() + "/data/chebi20/validation.txt";
  const std::string queries_path = testing::shared_dir() + "/data/chebi20/test.txt";
  if (!testing::file_exists(corpus_path) || !testing::file_exists(queries_path)) {
    GTEST_SKIP() << "ChEBI-20 not found under " << testing::shared_dir() << " (set ICMA_SHARED_DIR)";
  }
  const auto fixture = testing::load_json(testing::fixture_path("bm25_reference.json"));
  const auto corpus = data::read_dataset(corpus_path);
  ASSERT_EQ(corpus.records.size(), fixture["corpus_rows"].get<std::size_t>());
  ASSERT_EQ(corpus.records.front().cid, fixture["corpus_first_cid"].get<std::string>());
  ASSERT_EQ(corpus.records.back().cid, fixture["corpus_last_cid"].get<std::string>());
  std::vector<std::string> captions;
  for (const auto& record : corpus.records) captions.push_back(record.description);
  const std::vector<std::string> test_captions = read_captions(queries_path);

  const Bm25Index index = build_and_open(captions, Bm25Analyzer::icma, "chebi20");
  const auto query_text = [&](const nlohmann::json& query) {
    return query.contains("text") ? query["text"].get<std::string>()
                                  : test_captions.at(query["test_row"].get<std::size_t>());
  };

  double max_error = 0.0;
  std::size_t identical_lists = 0;
  const auto& queries = fixture["queries"];
  ASSERT_GE(queries.size(), 300u);
  for (std::size_t q = 0; q < queries.size(); ++q) {
    const auto& expected = queries[q]["top"];
    const auto top = index.top_k(query_text(queries[q]), expected.size());
    ASSERT_EQ(top.size(), expected.size());
    bool same_rows = true;
    for (std::size_t i = 0; i < top.size(); ++i) {
      same_rows = same_rows && top[i].row == expected[i][0].get<std::uint32_t>();
      max_error = std::max(max_error, relative_error(top[i].score, expected[i][1].get<double>()));
    }
    EXPECT_TRUE(same_rows) << "query " << q << ": top-" << expected.size() << " rows differ";
    identical_lists += same_rows ? 1 : 0;
  }
  for (const auto& check : fixture["spot_checks"]) {
    const auto scores = index.scores(query_text(queries[check["query"].get<std::size_t>()]));
    const auto& rows = check["rows"];
    const auto& values = check["scores"];
    ASSERT_EQ(rows.size(), values.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      max_error = std::max(max_error, relative_error(scores.at(rows[i].get<std::size_t>()), values[i].get<double>()));
    }
  }
  std::printf("BM25 vs rank_bm25: %zu/%zu top-10 lists identical, max relative error %.3g\n", identical_lists,
              queries.size(), max_error);
  EXPECT_LE(max_error, 1e-9);
}

}  // namespace
}  // namespace icma::retrieval
