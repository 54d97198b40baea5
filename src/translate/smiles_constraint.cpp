#include "icma/translate/smiles_constraint.hpp"

#include <algorithm>

namespace icma::translate {
namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
// Characters that bond two atoms (or separate molecules): an answer cannot end on one.
bool is_bond(char c) {
  return c == '-' || c == '=' || c == '#' || c == '$' || c == ':' || c == '/' || c == '\\' || c == '.';
}
// Characters some rule looks at; a token without any (and without a space) is always allowed
// unless a '%' label waits for its digits.
bool is_syntax(char c) {
  return is_space(c) || is_digit(c) || c == '(' || c == ')' || c == '[' || c == ']' || c == '%';
}

}  // namespace

void SmilesSyntax::toggle_ring(int label) {
  uint64_t& word = open_rings_[label / 64];
  const uint64_t bit = uint64_t{1} << (label % 64);
  open_ring_count_ += (word & bit) ? -1 : 1;
  word ^= bit;
}

bool SmilesSyntax::accept(char c) {
  if (ended_) return true;  // past the answer's line: not part of the prediction
  if (is_space(c)) {
    if (!started_) return true;  // leading space is trimmed
    if (!complete()) return false;
    ended_ = true;
    return true;
  }
  if (in_bracket_) {  // bracket atom: element, isotope, chirality, H count, charge, class
    if (c == '[') return false;
    if (c == ']') in_bracket_ = false;
    last_ = c;
    return true;
  }
  if (percent_digits_ >= 0) {  // "%nn": a two-digit ring-bond label
    if (!is_digit(c)) return false;
    label_ = label_ * 10 + (c - '0');
    if (++percent_digits_ == 2) {
      toggle_ring(label_);
      percent_digits_ = -1;
    }
    last_ = c;
    return true;
  }
  const bool after_atom = started_ && last_ != '(' && !is_bond(last_);
  switch (c) {
    case '(':
      if (!after_atom) return false;
      ++depth_;
      break;
    case ')':
      if (depth_ == 0 || !after_atom) return false;
      --depth_;
      break;
    case '[': in_bracket_ = true; break;
    case ']': return false;
    case '%':
      if (!started_ || last_ == '(') return false;
      percent_digits_ = 0;
      label_ = 0;
      break;
    default:
      if (is_digit(c)) {
        if (!started_ || last_ == '(') return false;
        toggle_ring(c - '0');
      }
  }
  started_ = true;
  last_ = c;
  return true;
}

bool SmilesSyntax::accept(std::string_view text) {
  for (char c : text) {
    if (!accept(c)) return false;
  }
  return true;
}

bool SmilesSyntax::complete() const {
  return started_ && depth_ == 0 && !in_bracket_ && percent_digits_ < 0 && open_ring_count_ == 0 && !is_bond(last_);
}

SmilesConstraint::SmilesConstraint(const tokenizer::Tokenizer& tokenizer, std::size_t vocab_size,
                                   std::vector<int64_t> eos_token_ids, std::string cue)
    : texts_(vocab_size), eos_token_ids_(std::move(eos_token_ids)), cue_(std::move(cue)) {
  // A token's text in context: what it adds after a plain atom (SentencePiece drops
  // a leading space at the start of a text, but not after another token).
  const std::vector<uint32_t> anchor_ids = tokenizer.encode("C", false);
  const bool anchored = anchor_ids.size() == 1;
  const std::string anchor = anchored ? tokenizer.decode(anchor_ids, true) : "";
  const std::size_t known = std::min(vocab_size, tokenizer.vocab_size());
  for (std::size_t id = 0; id < known; ++id) {
    if (std::find(eos_token_ids_.begin(), eos_token_ids_.end(), static_cast<int64_t>(id)) != eos_token_ids_.end()) {
      continue;
    }
    const auto token = static_cast<uint32_t>(id);
    std::string text = anchored ? tokenizer.decode({anchor_ids[0], token}, true) : "";
    if (anchored && text.compare(0, anchor.size(), anchor) == 0) {
      text.erase(0, anchor.size());
    } else {
      text = tokenizer.decode({token}, true);
    }
    const bool syntax = std::any_of(text.begin(), text.end(), is_syntax);
    (syntax ? syntax_tokens_ : plain_tokens_).push_back(static_cast<int64_t>(id));
    texts_[id] = std::move(text);
  }
}

std::vector<int64_t> SmilesConstraint::banned(std::string_view text) const {
  std::string_view answer = text;
  if (!cue_.empty()) {
    const std::size_t at = text.find(cue_);
    if (at != std::string::npos) {
      answer.remove_prefix(at + cue_.size());
    } else {
      std::string_view start = answer;
      while (!start.empty() && is_space(start.front())) start.remove_prefix(1);
      if (cue_.compare(0, start.size(), start) == 0) return {};  // still writing the cue
    }
  }
  SmilesSyntax state;
  // A row the constraint could not keep on track (every token banned) is left alone.
  if (!state.accept(answer) || state.ended()) return {};
  std::vector<int64_t> out;
  if (!state.complete()) out = eos_token_ids_;
  const auto check = [&](int64_t id) {
    SmilesSyntax next = state;
    if (!next.accept(texts_[static_cast<std::size_t>(id)])) out.push_back(id);
  };
  for (int64_t id : syntax_tokens_) check(id);
  // Plain tokens only fail where a '%' waits for digits: SmilesSyntax knows; ask it.
  SmilesSyntax probe = state;
  if (!probe.accept('C')) {
    for (int64_t id : plain_tokens_) check(id);
  }
  return out;
}

}  // namespace icma::translate
