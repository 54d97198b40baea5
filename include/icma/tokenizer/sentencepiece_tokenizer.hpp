#pragma once
// SentencePiece word pieces from a .model file (T5, Llama, Mistral ...), as
//
//   transformers.T5Tokenizer(vocab_file=path, legacy=True).tokenize(text)
//
// gives them (transformers >= 4.34). For ordinary text that is exactly
// SentencePiece's own encoding, Python's sp.encode(text, out_type=str): the
// model's normaliser, "▁" for spaces, byte-fallback pieces like "<0x0A>".
// T5Tokenizer adds one thing: its special tokens, written in the text, come
// out whole instead of as the characters SentencePiece would make of them:
//   "</s>", "<unk>", "<pad>"            cut out as they are;
//   "<extra_id_0>" ... "<extra_id_99>"  cut out, and the whitespace on both
//                                       sides of them is dropped.
// (transformers before 4.34 dropped the whitespace around all of them; a
// tokenizer_config.json can also change these flags, which is not read here.)
//
// Not here: ids, decoding, sampling, the legacy=False prefix handling.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "icma/tokenizer/text_tokenizer.hpp"

namespace icma::tokenizer {

class SentencePieceTokenizer : public TextTokenizer {
 public:
  // Loads a SentencePiece model file. Throws icma::InputError(path, 0, what)
  // when it cannot be read or is not a SentencePiece model.
  static SentencePieceTokenizer from_model_file(const std::string& path);

  // Pieces of UTF-8 `text`, T5Tokenizer(legacy=True).tokenize. SentencePiece
  // reads an invalid UTF-8 byte as U+FFFD. Thread-safe.
  std::vector<std::string> tokenize(std::string_view text) const override;

  // SentencePiece alone, without T5Tokenizer's special tokens. Thread-safe.
  std::vector<std::string> encode_pieces(std::string_view text) const;

  // "sentencepiece(<model path>)".
  std::string name() const override;

  // Number of pieces in the model (without T5Tokenizer's extra ids).
  std::size_t vocab_size() const;

 private:
  struct Model;  // holds the sentencepiece processor, kept out of this header
  explicit SentencePieceTokenizer(std::shared_ptr<const Model> model);
  std::shared_ptr<const Model> model_;  // immutable, so copies share it safely
};

}  // namespace icma::tokenizer
