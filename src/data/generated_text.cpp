#include "icma/data/generated_text.hpp"

#include "icma/core/utf8.hpp"

namespace icma::data {
namespace {

bool is_replaced_by_space(char32_t cp) {
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029;
}

}  // namespace

std::string sanitise_generated_text(std::string_view text) {
  // decode() turns each invalid byte into U+FFFD.
  std::u32string code_points = utf8::decode(text);
  for (char32_t& cp : code_points) {
    if (is_replaced_by_space(cp)) cp = U' ';
  }
  // Trimmed: spaces and byte-order marks at the start, spaces at the end.
  std::size_t begin = 0;
  while (begin < code_points.size() && (code_points[begin] == U' ' || code_points[begin] == 0xFEFF)) ++begin;
  std::size_t end = code_points.size();
  while (end > begin && code_points[end - 1] == U' ') --end;
  return utf8::encode(std::u32string_view(code_points).substr(begin, end - begin));
}

}  // namespace icma::data
