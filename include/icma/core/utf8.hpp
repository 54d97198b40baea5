#pragma once
// UTF-8 validation and conversion to and from code points. Metrics that the
// reference computes on Python strings (characters = code points) work on
// std::u32string.

#include <cstddef>
#include <string>
#include <string_view>

namespace icma::utf8 {

// Returns npos when `text` is valid UTF-8 (no overlongs, no surrogates, at most
// U+10FFFF), else the byte offset of the first invalid sequence.
std::size_t find_invalid(std::string_view text);
inline bool is_valid(std::string_view text) { return find_invalid(text) == std::string_view::npos; }

// Decodes valid UTF-8 (check with is_valid first; invalid bytes become U+FFFD).
std::u32string decode(std::string_view text);
std::string encode(std::u32string_view code_points);
void append(std::string& out, char32_t code_point);

}  // namespace icma::utf8
