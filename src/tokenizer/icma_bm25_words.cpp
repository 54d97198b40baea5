#include "icma/tokenizer/icma_bm25_words.hpp"

namespace icma::tokenizer {

// The ICMA code's tokenizer. It works on bytes: the characters it touches are
// ASCII, which never occur inside a multi-byte UTF-8 sequence, so this equals
// the Python, which works on code points.
std::vector<std::string> icma_bm25_words(std::string_view text) {
  // '-' ',' '(' ')' -> ' ', '.' deleted, runs of ' ' collapsed to one.
  std::string normalised;
  normalised.reserve(text.size());
  for (char c : text) {
    if (c == '.') continue;
    if (c == '-' || c == ',' || c == '(' || c == ')') c = ' ';
    if (c == ' ' && !normalised.empty() && normalised.back() == ' ') continue;
    normalised.push_back(c);
  }
  // Python's str.split(" "): n separators give n + 1 tokens, so a leading or
  // trailing space gives an empty token, and "" gives [""].
  std::vector<std::string> tokens;
  std::size_t start = 0;
  for (std::size_t space = normalised.find(' '); space != std::string::npos; space = normalised.find(' ', start)) {
    tokens.emplace_back(normalised, start, space - start);
    start = space + 1;
  }
  tokens.emplace_back(normalised, start);
  return tokens;
}

}  // namespace icma::tokenizer
