#pragma once
// Private to the llm module: the few edits and reads of a serialized
// SentencePiece ModelProto that src/tokenizer/tokenizer.cpp needs. Debian's
// libsentencepiece ships only sentencepiece_processor.h (no
// sentencepiece_model.pb.h, no protobuf headers), so these work on the
// protobuf wire format directly. Field numbers are those of
// sentencepiece_model.proto:
//
//   ModelProto      1 pieces, 2 trainer_spec, 3 normalizer_spec, ...
//   TrainerSpec     3 model_type (1 UNIGRAM, 2 BPE, 3 WORD, 4 CHAR), 35 byte_fallback
//   NormalizerSpec  3 add_dummy_prefix

#include <optional>
#include <string>
#include <string_view>

namespace icma::tokenizer::detail {

// A copy of the serialized ModelProto `model` whose normalizer_spec has
// add_dummy_prefix = false; nullopt when `model` is not valid wire format.
std::optional<std::string> without_dummy_prefix(std::string_view model);

// What the TrainerSpec says about the model (its defaults when unset).
struct SentencePieceTrainerInfo {
  int model_type = 1;  // 1 UNIGRAM, 2 BPE, 3 WORD, 4 CHAR
  bool byte_fallback = false;
};

// Reads the TrainerSpec of a serialized ModelProto; nullopt when `model` is
// not valid wire format.
std::optional<SentencePieceTrainerInfo> read_trainer_spec(std::string_view model);

}  // namespace icma::tokenizer::detail
