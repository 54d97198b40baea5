#pragma once
// SMILES syntax as a decoding constraint (icma-generate --constrain smiles):
// at each step, the tokens that would make the answer's SMILES syntactically
// impossible to finish are banned (their scores set to -inf, as Hugging
// Face's PrefixConstrainedLogitsProcessor does for tokens outside its allowed
// list). llama.cpp's grammars do this for any language; SMILES needs only the
// few rules a small model breaks most (measured on the tiny model's Cap2Mol
// outputs: 58-70% unbalanced parentheses, 2-9% unclosed rings, under 1%
// anything else):
//
//   ')'  needs an open '(' and an atom since it ("()" and "(=)" are empty);
//   '('  needs an atom before it, not another '(' or a bond ("C((", "C=(");
//   a ring-bond digit or '%' needs an atom before it (not at the start or
//        right after '(');
//   ']'  needs an open '[';  '[' cannot open inside a bracket atom;
//   '%'  must be followed by two digits (a two-digit ring-bond label);
//   the answer ends (EOS, or whitespace after its first character: the
//        prediction is the first non-empty line, and RDKit reads text after
//        a space as the molecule's name) only when every branch, ring bond
//        and bracket atom is closed and the last character is not a bond.
//
// Digits outside a bracket atom open or close ring bonds; inside one they
// are isotopes, hydrogen counts or charges. A Galactica [START_I_SMILES] ...
// [END_I_SMILES] wrapping reads as two bracket atoms and changes nothing.
// Valence, aromaticity and stereo are left to the model: the constraint
// makes outputs parse, not make chemical sense.
//
// The answer is what follows the task's cue ("Molecule:") when the model
// writes it, as PromptTemplates::answer_of_output reads it; while the text
// so far could still be the start of the cue, nothing is banned.
//
// Token texts are taken in context (the text a token adds after a plain
// letter), so SentencePiece's leading '▁' reads as the space it becomes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "icma/tokenizer/tokenizer.hpp"

namespace icma::translate {

// The syntax state after some text. Default: nothing read yet.
class SmilesSyntax {
 public:
  // Reads one more character; false (state unchanged) when the character
  // cannot follow, or ends the answer while it is unfinished.
  bool accept(char c);
  // Reads a whole text, as accept() does; false if any character is refused
  // (the state is then that of the accepted prefix).
  bool accept(std::string_view text);
  // Whether the answer may end here: something read, nothing left open.
  bool complete() const;
  // Whether whitespace after the answer has ended it (what follows is not
  // part of the prediction).
  bool ended() const { return ended_; }

 private:
  bool started_ = false;   // a non-space character read
  bool ended_ = false;
  bool in_bracket_ = false;
  int percent_digits_ = -1;  // -1: no '%' label pending; else digits read
  int label_ = 0;
  int depth_ = 0;
  char last_ = 0;
  uint64_t open_rings_[2] = {0, 0};  // ring-bond labels 0-99 waiting for their partner
  int open_ring_count_ = 0;

  void toggle_ring(int label);
};

// Bans tokens against each row's SMILES syntax, for
// model::GenerationOptions::token_filter.
class SmilesConstraint {
 public:
  // `vocab_size`: the model's (ids at or past the tokenizer's vocabulary
  // decode to nothing and are left alone); `eos_token_ids` end a row; `cue`:
  // the text the answer follows, trimmed ("" = none).
  SmilesConstraint(const tokenizer::Tokenizer& tokenizer, std::size_t vocab_size, std::vector<int64_t> eos_token_ids,
                   std::string cue = "");

  // The ids to ban after `text`, the row's new tokens so far decoded
  // (GenerationOptions::decode).
  std::vector<int64_t> banned(std::string_view text) const;

  // The text each token adds (tests).
  const std::string& token_text(int64_t id) const { return texts_.at(static_cast<std::size_t>(id)); }

 private:
  std::vector<std::string> texts_;
  std::vector<int64_t> eos_token_ids_;
  std::string cue_;
  std::vector<int64_t> syntax_tokens_;  // tokens holding a character the rules look at
  std::vector<int64_t> plain_tokens_;   // the others: letters, '@', '+', bond characters...
};

}  // namespace icma::translate
