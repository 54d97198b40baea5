#pragma once
// Private to the llm module: GPT-2's bytes_to_unicode, the table behind the
// ByteLevel normalizer, pre-tokenizer and decoder. Printable bytes stand for
// themselves; the others map to U+0100 onwards, in byte order.

#include <array>
#include <string>

#include "regex.hpp"

namespace icma::tokenizer::detail {

inline bool is_printable_byte(int b) {
  return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

// The UTF-8 of the character that stands for each byte.
inline const std::array<std::string, 256>& byte_chars() {
  static const std::array<std::string, 256> table = [] {
    std::array<std::string, 256> chars;
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) append_utf8(chars[b], is_printable_byte(b) ? static_cast<char32_t>(b) : next++);
    return chars;
  }();
  return table;
}

}  // namespace icma::tokenizer::detail
