#pragma once
// Private to the llm module: regular expressions with the semantics Hugging
// Face `tokenizers` gets from the `onig` crate (Oniguruma, Ruby syntax,
// UTF-8, no options), and its `Pattern` matching (String = literal text,
// Regex = Oniguruma pattern).
//
// A Regex is compiled once and is then safe to use from many threads at once
// (each search uses its own OnigRegion).

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace icma::tokenizer::detail {

// [begin, end) byte offsets of a match.
using ByteRange = std::pair<std::size_t, std::size_t>;

class Regex {
 public:
  // Throws icma::InputError("<what>: bad regex ...") when `pattern` does not
  // compile; `what` names where the pattern came from.
  Regex(std::string_view pattern, const std::string& what);
  // A literal: `text` escaped, as HF does with regex::escape for String patterns.
  static Regex literal(std::string_view text, const std::string& what);

  // All non-overlapping matches in `text` (valid UTF-8), left to right, as the
  // onig crate's find_iter yields them: an empty match right where the last
  // match ended is skipped by advancing one character.
  std::vector<ByteRange> find_all(std::string_view text) const;

  // HF's Pattern::find_matches: the whole text cut into pieces, each flagged
  // as a match or not. An empty text gives one empty non-match.
  std::vector<std::pair<ByteRange, bool>> find_matches(std::string_view text) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

// UTF-8 helpers shared by the pipeline stages. Input is assumed valid UTF-8
// (the tokenizer repairs it first); a stray byte counts as one character.
std::size_t utf8_char_length(unsigned char lead);
// Decodes the character at `text[at]` and advances `at` past it.
char32_t next_code_point(std::string_view text, std::size_t& at);
void append_utf8(std::string& out, char32_t cp);

// HF's Pattern for a character predicate: every character for which
// `is_match` holds is a one-character match; the runs between are non-matches.
template <typename Predicate>
std::vector<std::pair<ByteRange, bool>> find_char_matches(std::string_view text, Predicate is_match) {
  std::vector<std::pair<ByteRange, bool>> pieces;
  if (text.empty()) {
    pieces.push_back({{0, 0}, false});
    return pieces;
  }
  std::size_t last = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t begin = at;
    const char32_t cp = next_code_point(text, at);
    if (is_match(cp)) {
      if (last < begin) pieces.push_back({{last, begin}, false});
      pieces.push_back({{begin, at}, true});
      last = at;
    }
  }
  if (last < text.size()) pieces.push_back({{last, text.size()}, false});
  return pieces;
}

// Escapes every ASCII punctuation character (Oniguruma's Ruby syntax reads
// "\" + punctuation as that character).
std::string regex_escape(std::string_view text);

}  // namespace icma::tokenizer::detail
