// SentencePieceTokenizer against Python's sentencepiece on Mistral-7B-v0.1's
// tokenizer.model (tests/fixtures/sentencepiece_mistral.json, written by
// tests/reference/make_sentencepiece_fixtures.py), and T5Tokenizer's
// special-token rules built on top of those pieces.

#include "icma/tokenizer/sentencepiece_tokenizer.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include "test_support.hpp"

#include "icma/core/error.hpp"

namespace {

using icma::tokenizer::SentencePieceTokenizer;
using Tokens = std::vector<std::string>;

std::string shared_dir() {
  const char* from_env = std::getenv("ICMA_SHARED_DIR");
  return from_env != nullptr && *from_env != '\0' ? from_env : ICMA_DEFAULT_SHARED_DIR;
}

const nlohmann::json& fixture() {
  static const nlohmann::json json = [] {
    std::ifstream file(std::string(ICMA_TEST_FIXTURES) + "/sentencepiece_mistral.json");
    return nlohmann::json::parse(file);
  }();
  return json;
}

std::string model_path() { return shared_dir() + "/" + fixture().at("model").get<std::string>(); }

const SentencePieceTokenizer* mistral() {
  static const std::unique_ptr<SentencePieceTokenizer> tokenizer =
      std::filesystem::exists(model_path())
          ? std::make_unique<SentencePieceTokenizer>(SentencePieceTokenizer::from_model_file(model_path()))
          : nullptr;
  return tokenizer.get();
}

#define REQUIRE_MISTRAL() \
  if (mistral() == nullptr) GTEST_SKIP() << "no " << model_path()

// Python's pieces for a fixture text.
Tokens reference(const std::string& text) {
  for (const auto& test_case : fixture().at("cases")) {
    if (test_case.at("text") == text) return test_case.at("pieces").get<Tokens>();
  }
  throw std::runtime_error("no fixture for \"" + text + "\"");
}

Tokens concat(std::initializer_list<Tokens> parts) {
  Tokens out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

TEST(SentencePieceMistral, EncodeMatchesPythonSentencePiece) {
  REQUIRE_MISTRAL();
  for (const auto& test_case : fixture().at("cases")) {
    const auto text = test_case.at("text").get<std::string>();
    EXPECT_EQ(mistral()->encode_pieces(text), test_case.at("pieces").get<Tokens>())
        << "text: " << nlohmann::json(text).dump();
  }
  EXPECT_EQ(mistral()->vocab_size(), fixture().at("piece_size").get<std::size_t>());
}

TEST(SentencePieceMistral, TokenizeIsEncodeForOrdinaryText) {
  REQUIRE_MISTRAL();
  for (const char* text : {"Hello world", "The molecule is a 3beta-hydroxy steroid.", " Hello  world ",
                           "café Ångström", "😀 🙂", "a\tb\nc\r\nd", "", "   ", "<s>"}) {
    EXPECT_EQ(mistral()->tokenize(text), reference(text)) << "text: " << nlohmann::json(text).dump();
  }
}

// T5Tokenizer cuts </s> <unk> <pad> out whole and encodes the rest as it is.
TEST(SentencePieceT5Rules, PlainSpecialTokensAreKeptWholeWithTheirSpaces) {
  REQUIRE_MISTRAL();
  EXPECT_EQ(mistral()->tokenize("Hello </s> world"), concat({reference("Hello "), {"</s>"}, reference(" world")}));
  EXPECT_EQ(mistral()->tokenize("<unk><pad><s>"), concat({{"<unk>", "<pad>"}, reference("<s>")}));
  EXPECT_EQ(mistral()->tokenize("</s>"), (Tokens{"</s>"}));
  // No stripping: the spaces between two of them are encoded as they are.
  EXPECT_EQ(mistral()->tokenize("Hello</s>   <pad>"),
            concat({reference("Hello"), {"</s>"}, reference("   "), {"<pad>"}}));
}

// The sentinels <extra_id_0> ... <extra_id_99> also take the whitespace
// around them (AddedToken lstrip=True, rstrip=True).
TEST(SentencePieceT5Rules, SentinelsEatTheWhitespaceAroundThem) {
  REQUIRE_MISTRAL();
  EXPECT_EQ(mistral()->tokenize("a <extra_id_1> b"), concat({reference("a"), {"<extra_id_1>"}, reference("b")}));
  EXPECT_EQ(mistral()->tokenize(" \t<extra_id_0>\u00a0 "), (Tokens{"<extra_id_0>"}));
  EXPECT_EQ(mistral()->tokenize("<extra_id_99>x"), concat({{"<extra_id_99>"}, reference("x")}));
  // Not sentinels: out of range, a leading zero, unterminated.
  for (const char* text : {"<extra_id_100>", "<extra_id_01>", "<extra_id_>", "<extra_id_7", "< /s>", "<PAD>"}) {
    EXPECT_EQ(mistral()->tokenize(text), mistral()->encode_pieces(text)) << text;
  }
}

TEST(SentencePieceMistral, ConcurrentCallsGiveTheSamePieces) {
  REQUIRE_MISTRAL();
  const std::string text = "The molecule is a monocarboxylic acid anion; α-helix 中文 😀 </s>";
  const Tokens expected = mistral()->tokenize(text);
  std::vector<int> ok(4, 0);
  icma::testing::run_concurrently(4, [&](int t) {
    bool all = true;
    for (int i = 0; i < 500; ++i) all = all && mistral()->tokenize(text) == expected;
    ok[t] = all ? 1 : 0;
  });
  for (const int thread_ok : ok) EXPECT_EQ(thread_ok, 1);
}

TEST(SentencePieceModelFile, NameSaysWhichModel) {
  REQUIRE_MISTRAL();
  EXPECT_EQ(mistral()->name(), "sentencepiece(" + model_path() + ")");
}

TEST(SentencePieceModelFile, MissingOrBadFileIsAnInputError) {
  EXPECT_THROW(SentencePieceTokenizer::from_model_file("/nonexistent/tokenizer.model"), icma::InputError);
  const auto bad = std::filesystem::temp_directory_path() / "icma_sentencepiece_bad.model";
  std::ofstream(bad) << "this is not a protobuf";
  try {
    SentencePieceTokenizer::from_model_file(bad.string());
    ADD_FAILURE() << "no exception";
  } catch (const icma::InputError& error) {
    EXPECT_EQ(error.file(), bad.string());
  }
  std::filesystem::remove(bad);
}

}  // namespace
