#pragma once
// TextTokenizer: text in, tokens out. The evaluation computes BLEU and METEOR
// on these tokens, so each implementation reproduces one reference tokenizer
// exactly (BertWordPieceTokenizer: the MolT5 scripts' SciBERT tokenizer;
// SentencePieceTokenizer: a T5/Llama-style .model file).

#include <string>
#include <string_view>
#include <vector>

namespace icma::tokenizer {

class TextTokenizer {
 public:
  virtual ~TextTokenizer() = default;

  // Splits UTF-8 `text` into tokens. Must be const and safe to call from
  // several threads at once on one tokenizer.
  virtual std::vector<std::string> tokenize(std::string_view text) const = 0;

  // A short description for logs and reports, e.g. which vocabulary is used.
  virtual std::string name() const = 0;
};

}  // namespace icma::tokenizer
