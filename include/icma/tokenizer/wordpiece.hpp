#pragma once
// BERT WordPiece tokenisation, exactly as the MolT5 evaluation scripts get it:
//
//   BertTokenizerFast.from_pretrained('allenai/scibert_scivocab_uncased')
//       .tokenize(text, truncation=True, max_length=512, padding='max_length')
//   with '[PAD]', '[CLS]', '[SEP]' filtered out afterwards.
//
// That is Hugging Face `tokenizers` (checked against 0.23.2): the special
// tokens [PAD] [UNK] [CLS] [SEP] [MASK] are cut out of the raw text first
// (case-sensitive, no stripping of the spaces around them); every other
// stretch goes through BertNormalizer (drop control characters, map
// whitespace to ' ', space out CJK ideographs, NFD and drop nonspacing marks,
// lowercase), BertPreTokenizer (split on whitespace, isolate punctuation) and
// greedy longest-match-first WordPiece ("##" continuation prefix, "[UNK]" for
// a word that cannot be covered or is longer than 100 characters). The first
// `max_pieces` pieces are kept (truncation; 0 keeps all), then [PAD], [CLS]
// and [SEP] are dropped, as MolT5's script does; no [CLS]/[SEP] are added.
//
// Not here: cased BERT vocabularies, ids, offsets, decoding.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "icma/tokenizer/text_tokenizer.hpp"

namespace icma::tokenizer {

class BertWordPieceTokenizer : public TextTokenizer {
 public:
  // Loads a vocab.txt (one token per line, line n = id n-1) the way
  // transformers' BertTokenizer reads it: UTF-8, lines end at "\n", "\r\n" or
  // "\r", only the line break is removed (an empty line is the token "").
  // Throws icma::InputError(path, line, what) when the file cannot be read,
  // is not UTF-8, or has no "[UNK]" token.
  static BertWordPieceTokenizer from_vocab_file(const std::string& path,
                                                std::size_t max_pieces = 512);

  // Same, from tokens already in memory; `source` names them in errors.
  static BertWordPieceTokenizer from_tokens(const std::vector<std::string>& tokens,
                                            std::size_t max_pieces = 512,
                                            const std::string& source = "<tokens>");

  // Word pieces of UTF-8 `text`, without [PAD] [CLS] [SEP] (invalid bytes
  // count as U+FFFD, which the normaliser drops). Thread-safe.
  std::vector<std::string> tokenize(std::string_view text) const override;

  // "bert-wordpiece-uncased(<vocab source>)".
  std::string name() const override;

  // Number of distinct tokens in the vocabulary.
  std::size_t vocab_size() const;
  std::size_t max_pieces() const;

 private:
  struct Model;
  explicit BertWordPieceTokenizer(std::shared_ptr<const Model> model);
  std::shared_ptr<const Model> model_;  // immutable, so copies share it safely
};

// The two text stages on their own, for tests and debugging. Both take and
// return UTF-8.
namespace bert {

// BertNormalizer(clean_text=true, handle_chinese_chars=true,
// strip_accents=true, lowercase=true).
std::string normalize_uncased(std::string_view text);

// BertPreTokenizer: split on whitespace (dropped) and around each punctuation
// character (kept as a word of its own).
std::vector<std::string> pre_tokenize(std::string_view text);

}  // namespace bert
}  // namespace icma::tokenizer
