#pragma once
// Private to the text module: the BERT stages that come before WordPiece, as
// Hugging Face `tokenizers` has them (character facts, BertNormalizer,
// BertPreTokenizer; defined in bert_pretokenization.cpp). Only src/text/*.cpp
// include this, so ICU headers never reach users of include/icma/text.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "icma/text/hf_unicode.hpp"

namespace icma::tokenizer::detail {

// ---- 1. character facts (icma/text/hf_unicode.hpp) ------------------------------
// ASCII facts looked up in one table; ascii_flags()[c] for c < 128.
enum AsciiFlag : std::uint8_t { kDropped = 1, kSpace = 2, kPunctuation = 4 };
const std::array<std::uint8_t, 128>& ascii_flags();

// ---- 2. BertNormalizer -----------------------------------------------------------
// Normalises UTF-8 `text` into `out` (invalid bytes count as U+FFFD, which it drops).
void normalize_into(std::string_view text, std::string& out);

// ---- 3. BertPreTokenizer --------------------------------------------------------
// Splits at whitespace (dropped), then isolates each punctuation character as
// a word of its own. Calls on_word(std::string_view) for each word, in order.

// Decodes the code point at `pos` of valid UTF-8 and advances `pos` past it.
inline char32_t next_code_point(std::string_view text, std::size_t& pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  char32_t c = length == 1 ? lead : length == 2 ? (lead & 0x1F) : length == 3 ? (lead & 0x0F) : (lead & 0x07);
  for (std::size_t i = 1; i < length; ++i) {
    c = (c << 6) | (static_cast<unsigned char>(text[pos + i]) & 0x3F);
  }
  pos += length;
  return c;
}

template <typename OnWord>
void for_each_word(std::string_view text, OnWord&& on_word) {
  const auto& flags = ascii_flags();
  std::size_t word_begin = std::string_view::npos;
  auto end_word = [&](std::size_t at) {
    if (word_begin != std::string_view::npos) on_word(text.substr(word_begin, at - word_begin));
    word_begin = std::string_view::npos;
  };
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t char_begin = pos;
    const char32_t c = next_code_point(text, pos);
    const bool space = c < 0x80 ? (flags[c] & kSpace) != 0 : text::hf_unicode::is_whitespace(c);
    const bool punctuation = !space && (c < 0x80 ? (flags[c] & kPunctuation) != 0 : text::hf_unicode::is_punctuation(c));
    if (space || punctuation) {
      end_word(char_begin);
      if (punctuation) on_word(text.substr(char_begin, pos - char_begin));
    } else if (word_begin == std::string_view::npos) {
      word_begin = char_begin;
    }
  }
  end_word(text.size());
}

}  // namespace icma::tokenizer::detail
