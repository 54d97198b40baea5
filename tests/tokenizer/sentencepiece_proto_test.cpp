// The wire-format edits and reads of a SentencePiece ModelProto
// (src/tokenizer/sentencepiece_proto.cpp): on hand-built messages, byte for byte,
// and on Mistral's real tokenizer.model through libsentencepiece.

#include <gtest/gtest.h>


#include <string>
#include <vector>

#include "../../src/tokenizer/sentencepiece_proto.hpp"
#include "icma/tokenizer/sentencepiece_model.hpp"
#include "test_support.hpp"

namespace {

using icma::tokenizer::detail::read_trainer_spec;
using icma::tokenizer::detail::without_dummy_prefix;

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int v : values) out.push_back(static_cast<char>(v));
  return out;
}

// Field `number` as a length-delimited field holding `payload` (payloads under 128 bytes).
std::string message(int number, const std::string& payload) {
  return bytes({number << 3 | 2, static_cast<int>(payload.size())}) + payload;
}

// ModelProto {pieces: {piece: "a"}, trainer_spec: {model_type: BPE, byte_fallback: true},
//             normalizer_spec: {name: "identity", add_dummy_prefix: true, remove_extra_whitespaces: false}}
const std::string kPiece = message(1, message(1, "a"));
const std::string kTrainer = message(2, bytes({0x18, 0x02, 0x98, 0x02, 0x01}));
const std::string kNormalizerFields = message(1, "identity") + bytes({0x18, 0x01, 0x20, 0x00});

TEST(LlmSentencePieceProto, TurnsOffTheDummyPrefix) {
  const std::string model = kPiece + kTrainer + message(3, kNormalizerFields);
  // The old field 3 dropped, "field 3 = false" appended, the length re-encoded; all else kept.
  const std::string expected =
      kPiece + kTrainer + message(3, message(1, "identity") + bytes({0x20, 0x00, 0x18, 0x00}));
  EXPECT_EQ(without_dummy_prefix(model), expected);
  // Idempotent.
  EXPECT_EQ(without_dummy_prefix(expected), expected);
}

TEST(LlmSentencePieceProto, AddsANormalizerSpecWhenThereIsNone) {
  // No normalizer_spec means the defaults, add_dummy_prefix = true included.
  EXPECT_EQ(without_dummy_prefix(kPiece), kPiece + message(3, bytes({0x18, 0x00})));
  EXPECT_EQ(without_dummy_prefix(""), message(3, bytes({0x18, 0x00})));
}

TEST(LlmSentencePieceProto, RejectsMalformedInput) {
  const std::string model = kPiece + kTrainer + message(3, kNormalizerFields);
  EXPECT_FALSE(without_dummy_prefix(model.substr(0, model.size() - 1)).has_value());  // truncated
  EXPECT_FALSE(without_dummy_prefix(bytes({0x1b, 0x00})).has_value());                // a group
  EXPECT_FALSE(without_dummy_prefix(bytes({0x08, 0x80})).has_value());                // a varint cut short
  EXPECT_FALSE(read_trainer_spec(bytes({0x12, 0x05, 0x18})).has_value());             // length past the end
}

TEST(LlmSentencePieceProto, ReadsTheTrainerSpec) {
  const auto info = read_trainer_spec(kPiece + kTrainer + message(3, kNormalizerFields));
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->model_type, 2);
  EXPECT_TRUE(info->byte_fallback);
  // Unset fields read as their defaults: UNIGRAM, no byte fallback.
  const auto defaults = read_trainer_spec(kPiece + message(2, ""));
  ASSERT_TRUE(defaults.has_value());
  EXPECT_EQ(defaults->model_type, 1);
  EXPECT_FALSE(defaults->byte_fallback);
  const auto unigram = read_trainer_spec(message(2, bytes({0x18, 0x01, 0x98, 0x02, 0x00})));
  ASSERT_TRUE(unigram.has_value());
  EXPECT_EQ(unigram->model_type, 1);
  EXPECT_FALSE(unigram->byte_fallback);
}

TEST(LlmSentencePieceProto, MistralModel) {
  const std::string path = icma::testing::shared_dir() + "/models/mistral-7b-v0.1/tokenizer.model";
  if (!icma::testing::file_exists(path)) GTEST_SKIP() << "no " << path;
  const auto original = icma::tokenizer::SentencePieceModel::load_file(path);
  const std::string proto = original->serialized_model_proto();
  const auto info = read_trainer_spec(proto);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->model_type, 2);  // BPE
  EXPECT_TRUE(info->byte_fallback);

  const auto edited = without_dummy_prefix(proto);
  ASSERT_TRUE(edited.has_value());
  const auto no_prefix = icma::tokenizer::SentencePieceModel::load_serialized(*edited, "edited");
  EXPECT_EQ(no_prefix->piece_size(), original->piece_size());
  EXPECT_EQ(original->encode_pieces("Hello world"), (std::vector<std::string>{"\u2581Hello", "\u2581world"}));
  EXPECT_EQ(no_prefix->encode_pieces("Hello world"), (std::vector<std::string>{"Hello", "\u2581world"}));
  // Nothing else changed: the same ids once the prefix is there.
  const std::vector<int> a = original->encode_ids("The molecule is a steroid.");
  const std::vector<int> b = no_prefix->encode_ids(" The molecule is a steroid.");
  EXPECT_EQ(a, b);
}

}  // namespace
