// BertWordPieceTokenizer against Hugging Face tokenizers 0.23.2:
//  - tests/fixtures/wordpiece_hf.json (tests/reference/make_wordpiece_fixtures.js):
//    hand-picked, long, real and random texts, and what BertNormalizer and
//    BertPreTokenizer do to every code point;
//  - the MolT5 reference tokens of all 3,300 Mol2Cap rows (shared data).
// Plus vocabulary loading and the behaviour of small made-up vocabularies.

#include "icma/tokenizer/wordpiece.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include "test_support.hpp"

#include "icma/core/error.hpp"
#include "icma/core/utf8.hpp"

namespace {

using icma::tokenizer::BertWordPieceTokenizer;
using Tokens = std::vector<std::string>;

std::string shared_dir() {
  const char* from_env = std::getenv("ICMA_SHARED_DIR");
  return from_env != nullptr && *from_env != '\0' ? from_env : ICMA_DEFAULT_SHARED_DIR;
}

std::string scibert_vocab_path() { return shared_dir() + "/vocab/scibert_scivocab_uncased/vocab.txt"; }

nlohmann::json read_json(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot open " + path);
  return nlohmann::json::parse(file);
}

const nlohmann::json& hf_fixture() {
  static const nlohmann::json fixture = read_json(std::string(ICMA_TEST_FIXTURES) + "/wordpiece_hf.json");
  return fixture;
}

// The SciBERT tokenizer, loaded once; null when the shared data is missing.
const BertWordPieceTokenizer* scibert() {
  static const std::unique_ptr<BertWordPieceTokenizer> tokenizer =
      std::filesystem::exists(scibert_vocab_path())
          ? std::make_unique<BertWordPieceTokenizer>(BertWordPieceTokenizer::from_vocab_file(scibert_vocab_path()))
          : nullptr;
  return tokenizer.get();
}

#define REQUIRE_SCIBERT()                                                        \
  if (scibert() == nullptr) GTEST_SKIP() << "no " << scibert_vocab_path()

std::string join(const Tokens& tokens) {
  std::string out;
  for (const auto& token : tokens) out += (out.empty() ? "" : " ") + token;
  return out;
}

std::string write_temp_file(const std::string& name, const std::string& content) {
  const auto path = std::filesystem::temp_directory_path() / ("icma_wordpiece_" + name);
  std::ofstream(path, std::ios::binary) << content;
  return path.string();
}

std::string code_point_utf8(char32_t c) {
  std::string out;
  icma::utf8::append(out, c);
  return out;
}

// ---- against tokenizers -------------------------------------------------------------

TEST(WordPieceHf, MatchesEveryFixtureText) {
  REQUIRE_SCIBERT();
  const auto& cases = hf_fixture().at("cases");
  ASSERT_GE(cases.size(), 400u);
  std::size_t mismatches = 0;
  for (const auto& test_case : cases) {
    const auto text = test_case.at("text").get<std::string>();
    const auto expected = test_case.at("tokens").get<Tokens>();
    const Tokens actual = scibert()->tokenize(text);
    if (actual != expected && ++mismatches <= 10) {
      ADD_FAILURE() << "text: " << nlohmann::json(text).dump() << "\n  expected: " << join(expected)
                    << "\n  actual:   " << join(actual);
    }
  }
  EXPECT_EQ(mismatches, 0u) << "of " << cases.size() << " texts";
}

// Hangul syllable -> jamo, the algorithm of Unicode's section 3.12.
std::u32string hangul_jamo(char32_t syllable) {
  const char32_t index = syllable - 0xAC00;
  std::u32string jamo = {0x1100 + index / (21 * 28), 0x1161 + (index % (21 * 28)) / 28};
  if (index % 28 != 0) jamo.push_back(0x11A7 + index % 28);
  return jamo;
}

std::string expected_normalization(char32_t c, const nlohmann::json& run) {
  const auto kind = run.at(3).get<std::string>();
  if (kind == "=") return code_point_utf8(c);
  if (kind == "x") return "";
  if (kind == "_") return " ";
  if (kind == "c") return " " + code_point_utf8(c) + " ";
  if (kind == "+") return code_point_utf8(static_cast<char32_t>(static_cast<int64_t>(c) + run.at(4).get<int64_t>()));
  if (kind == "h") return icma::utf8::encode(hangul_jamo(c));
  if (kind == "s") return run.at(4).get<std::string>();
  throw std::runtime_error("unknown run kind " + kind);
}

TEST(WordPieceHf, NormalizerAndPreTokenizerAgreeOnEveryCodePoint) {
  const auto& runs = hf_fixture().at("characters");
  std::size_t checked = 0;
  std::size_t mismatches = 0;
  for (const auto& run : runs) {
    const auto first = run.at(0).get<char32_t>();
    const auto last = run.at(1).get<char32_t>();
    const auto expected_class = run.at(2).get<std::string>();
    for (char32_t c = first; c <= last; ++c) {
      ++checked;
      const std::string text = code_point_utf8(c);
      const std::string expected = expected_normalization(c, run);
      const std::string normalized = icma::tokenizer::bert::normalize_uncased(text);
      // "a<c>b" is one word, two words (c is whitespace) or three (punctuation).
      const std::size_t words = icma::tokenizer::bert::pre_tokenize("a" + text + "b").size();
      const std::string actual_class = words == 1 ? "L" : words == 2 ? "W" : words == 3 ? "P" : "?";
      if ((normalized != expected || actual_class != expected_class) && ++mismatches <= 20) {
        char hex[16];
        std::snprintf(hex, sizeof hex, "U+%04X", static_cast<unsigned>(c));
        ADD_FAILURE() << hex << ": normalized " << nlohmann::json(normalized).dump() << ", expected "
                      << nlohmann::json(expected).dump() << "; class " << actual_class << ", expected "
                      << expected_class;
      }
    }
  }
  EXPECT_EQ(checked, 0x110000u - 0x800u);  // every code point but the surrogates
  EXPECT_EQ(mismatches, 0u);
}

// All 3,300 rows of MolT5-small's Mol2Cap predictions: the tokens the MolT5
// script computed for the ground truth and output columns.
TEST(WordPieceMolT5, AllReferenceRowsMatch) {
  REQUIRE_SCIBERT();
  const std::string predictions_path = shared_dir() + "/reference/molt5/molt5-small-smiles2caption.txt";
  const std::string rows_path = shared_dir() + "/reference/molt5/vectors/molt5-small.smiles2caption.rows.json";
  if (!std::filesystem::exists(predictions_path) || !std::filesystem::exists(rows_path)) {
    GTEST_SKIP() << "no MolT5 reference files under " << shared_dir();
  }
  const auto rows = read_json(rows_path).at("rows");
  std::ifstream predictions(predictions_path);
  std::string line;
  std::getline(predictions, line);  // header
  std::size_t row = 0;
  std::size_t mismatches = 0;
  while (std::getline(predictions, line)) {
    if (line.empty()) continue;
    ASSERT_LT(row, rows.size());
    const std::size_t tab1 = line.find('\t');
    const std::size_t tab2 = line.find('\t', tab1 + 1);
    ASSERT_NE(tab2, std::string::npos) << "line " << row + 2;
    const std::string ground_truth = line.substr(tab1 + 1, tab2 - tab1 - 1);
    std::string output = line.substr(tab2 + 1);
    if (output.rfind("[CLS] ", 0) == 0) output.erase(0, 6);
    for (const auto& [text, key] : {std::pair{ground_truth, "gt_tokens"}, std::pair{output, "out_tokens"}}) {
      const auto expected = rows[row].at(key).get<Tokens>();
      const Tokens actual = scibert()->tokenize(text);
      if (actual != expected && ++mismatches <= 5) {
        ADD_FAILURE() << "line " << row + 2 << " " << key << "\n  expected: " << join(expected)
                      << "\n  actual:   " << join(actual);
      }
    }
    ++row;
  }
  EXPECT_EQ(row, 3300u);
  EXPECT_EQ(row, rows.size());
  EXPECT_EQ(mismatches, 0u);
}

// Not a pass/fail test: prints how fast the 6,600 reference texts tokenize.
TEST(WordPieceMolT5, Throughput) {
  REQUIRE_SCIBERT();
  const std::string predictions_path = shared_dir() + "/reference/molt5/molt5-small-smiles2caption.txt";
  std::ifstream predictions(predictions_path);
  if (!predictions) GTEST_SKIP() << "no " << predictions_path;
  std::vector<std::string> texts;
  std::string line;
  std::getline(predictions, line);
  std::size_t bytes = 0;
  while (std::getline(predictions, line)) {
    const std::size_t tab1 = line.find('\t');
    const std::size_t tab2 = line.find('\t', tab1 + 1);
    if (tab2 == std::string::npos) continue;
    texts.push_back(line.substr(tab1 + 1, tab2 - tab1 - 1));
    texts.push_back(line.substr(tab2 + 1));
    bytes += texts[texts.size() - 2].size() + texts.back().size();
  }
  const auto load_start = std::chrono::steady_clock::now();
  const auto fresh = BertWordPieceTokenizer::from_vocab_file(scibert_vocab_path());
  const auto load_end = std::chrono::steady_clock::now();
  std::size_t pieces = 0;
  for (const auto& text : texts) pieces += fresh.tokenize(text).size();
  const auto end = std::chrono::steady_clock::now();
  const double load_ms = std::chrono::duration<double, std::milli>(load_end - load_start).count();
  const double tokenize_ms = std::chrono::duration<double, std::milli>(end - load_end).count();
  std::printf("[ timing   ] vocab load %.1f ms; %zu texts (%zu bytes, %zu pieces) in %.1f ms = %.2f MB/s\n",
              load_ms, texts.size(), bytes, pieces, tokenize_ms, bytes / tokenize_ms / 1e3);
  RecordProperty("tokenize_ms", std::to_string(tokenize_ms));
  EXPECT_EQ(texts.size(), 6600u);
}

// ---- behaviour on made-up vocabularies -------------------------------------------------

BertWordPieceTokenizer tiny(std::size_t max_pieces = 512) {
  return BertWordPieceTokenizer::from_tokens(
      {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "ba", "##na", "a", "b", "c", "##b", ",", "(", ")", "the"},
      max_pieces, "tiny");
}

TEST(WordPieceModel, GreedyLongestMatchFirst) {
  const auto tokenizer = tiny();
  EXPECT_EQ(tokenizer.tokenize("banana"), (Tokens{"ba", "##na", "##na"}));
  EXPECT_EQ(tokenizer.tokenize("BANANA, the"), (Tokens{"ba", "##na", "##na", ",", "the"}));
  // A word that cannot be covered is one [UNK], not a partial split.
  EXPECT_EQ(tokenizer.tokenize("nanana"), (Tokens{"[UNK]"}));
  EXPECT_EQ(tokenizer.tokenize("banan"), (Tokens{"[UNK]"}));
  EXPECT_EQ(tokenizer.tokenize("abb (c)"), (Tokens{"a", "##b", "##b", "(", "c", ")"}));
}

TEST(WordPieceModel, WordsOverOneHundredCharactersAreUnknown) {
  const auto tokenizer = tiny();
  EXPECT_EQ(tokenizer.tokenize("a" + std::string(99, 'b')).size(), 100u);
  EXPECT_EQ(tokenizer.tokenize("a" + std::string(100, 'b')), (Tokens{"[UNK]"}));
}

TEST(WordPieceModel, SpecialTokensAreSplitBeforeNormalisationAndFiltered) {
  const auto tokenizer = tiny();
  EXPECT_EQ(tokenizer.tokenize("[CLS] the [SEP]"), (Tokens{"the"}));
  EXPECT_EQ(tokenizer.tokenize("[MASK]the[UNK]"), (Tokens{"[MASK]", "the", "[UNK]"}));
  // Matching is case-sensitive: "[cls]" is punctuation and a word.
  EXPECT_EQ(tokenizer.tokenize("[cls]"), (Tokens{"[UNK]", "[UNK]", "[UNK]"}));
}

TEST(WordPieceModel, TruncatesBeforeFilteringSpecialTokens) {
  const auto tokenizer = tiny(3);
  EXPECT_EQ(tokenizer.tokenize("a b c a b c"), (Tokens{"a", "b", "c"}));
  EXPECT_EQ(tokenizer.tokenize("[CLS] a b c"), (Tokens{"a", "b"}));
  EXPECT_EQ(tokenizer.max_pieces(), 3u);
  EXPECT_EQ(tiny(0).tokenize("a b c a b c").size(), 6u) << "0 means no limit";
}

TEST(WordPieceModel, EmptyAndWhitespaceOnlyTexts) {
  const auto tokenizer = tiny();
  EXPECT_TRUE(tokenizer.tokenize("").empty());
  EXPECT_TRUE(tokenizer.tokenize(" \t\r\n\xC2\xA0").empty());
  EXPECT_TRUE(tokenizer.tokenize(std::string("\0\x01", 2)).empty());
}

TEST(WordPieceModel, InvalidUtf8CountsAsReplacementCharacter) {
  const auto tokenizer = tiny();
  EXPECT_EQ(tokenizer.tokenize("a\xFF" "b c"), (Tokens{"a", "##b", "c"}));
  EXPECT_EQ(icma::tokenizer::bert::normalize_uncased("A\xC3"), "a");
}

TEST(WordPieceModel, NameAndVocabSize) {
  const auto tokenizer = tiny();
  EXPECT_EQ(tokenizer.name(), "bert-wordpiece-uncased(tiny)");
  EXPECT_EQ(tokenizer.vocab_size(), 15u);
}

TEST(WordPieceModel, ConcurrentCallsGiveTheSameTokens) {
  REQUIRE_SCIBERT();
  const std::string text = "The molecule is a (2S)-2-amino-3-hydroxypropanoate; Ångström — İ, ß and 中文.";
  const Tokens expected = scibert()->tokenize(text);
  std::vector<int> ok(8, 0);
  icma::testing::run_concurrently(8, [&](int t) {
    bool all = true;
    for (int i = 0; i < 2000; ++i) all = all && scibert()->tokenize(text) == expected;
    ok[t] = all ? 1 : 0;
  });
  for (const int thread_ok : ok) EXPECT_EQ(thread_ok, 1);
}

// ---- vocab.txt loading -------------------------------------------------------------------

TEST(WordPieceVocab, SciBertHasAllItsLines) {
  REQUIRE_SCIBERT();
  // 31,090 lines, all distinct; line 30107 is empty and still a token.
  EXPECT_EQ(scibert()->vocab_size(), 31090u);
}

TEST(WordPieceVocab, LineBreaksAsPythonTextModeReadsThem) {
  // "\r\n", "\r" and "\n" all end a line; spaces stay; an empty line is a token.
  const auto path = write_temp_file("crlf.txt", "[UNK]\r\nab\rcd \n\n##x\n");
  const auto tokenizer = BertWordPieceTokenizer::from_vocab_file(path);
  EXPECT_EQ(tokenizer.vocab_size(), 5u);
  EXPECT_EQ(tokenizer.tokenize("ab abx cd"), (Tokens{"ab", "ab", "##x", "[UNK]"}));
  std::filesystem::remove(path);
}

TEST(WordPieceVocab, MissingFileIsAnInputError) {
  EXPECT_THROW(BertWordPieceTokenizer::from_vocab_file("/nonexistent/vocab.txt"), icma::InputError);
}

TEST(WordPieceVocab, InvalidUtf8ReportsTheLine) {
  const auto path = write_temp_file("bad_utf8.txt", "[UNK]\nfine\nbad\xC3(\n");
  try {
    BertWordPieceTokenizer::from_vocab_file(path);
    ADD_FAILURE() << "no exception";
  } catch (const icma::InputError& error) {
    EXPECT_EQ(error.file(), path);
    EXPECT_EQ(error.line(), 3u);
  }
  std::filesystem::remove(path);
}

TEST(WordPieceVocab, EmptyFileOrNoUnknownTokenIsAnInputError) {
  const auto empty = write_temp_file("empty.txt", "");
  EXPECT_THROW(BertWordPieceTokenizer::from_vocab_file(empty), icma::InputError);
  const auto no_unk = write_temp_file("no_unk.txt", "[CLS]\na\n");
  EXPECT_THROW(BertWordPieceTokenizer::from_vocab_file(no_unk), icma::InputError);
  std::filesystem::remove(empty);
  std::filesystem::remove(no_unk);
}

}  // namespace
