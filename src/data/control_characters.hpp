#pragma once
// Control characters in input lines (private to data/): a NUL or a carriage
// return inside a field is never data in the field's files, and passed on it
// would corrupt every file downstream, so readers refuse it with file:line.

#include <cstdio>
#include <string>
#include <string_view>

namespace icma::data::detail {

// Offset of the first C0 control character or DEL in `line` (a tab is a
// separator, not a control character, when `tab_allowed`), or npos.
inline std::size_t find_control_character(std::string_view line, bool tab_allowed) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    const auto byte = static_cast<unsigned char>(line[i]);
    if ((byte < 0x20 && !(tab_allowed && byte == '\t')) || byte == 0x7F) return i;
  }
  return std::string_view::npos;
}

// "control character U+000D at byte 7 of the line"
inline std::string describe_control_character(std::string_view line, std::size_t at) {
  char code[8];
  std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(static_cast<unsigned char>(line[at])));
  return std::string("control character ") + code + " at byte " + std::to_string(at + 1) + " of the line";
}

}  // namespace icma::data::detail
