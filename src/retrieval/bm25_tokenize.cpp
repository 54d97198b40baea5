// BM25 analyzers: text -> tokens.

#include <string>

#include "bm25_lucene.hpp"
#include "icma/core/error.hpp"
#include "icma/retrieval/bm25.hpp"

namespace icma::retrieval {
namespace {

// The ICMA code's tokenizer. It works on bytes: the characters it touches are
// ASCII, which never occur inside a multi-byte UTF-8 sequence, so this equals
// the Python, which works on code points.
std::vector<std::string> icma_tokens(std::string_view text) {
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

}  // namespace

Bm25Analyzer parse_bm25_analyzer(const std::string& name) {
  if (name == "icma") return Bm25Analyzer::icma;
  if (name == "standard") return Bm25Analyzer::standard;
  throw InputError("unknown BM25 analyzer \"" + name + "\" (expected icma or standard)");
}

std::string bm25_analyzer_name(Bm25Analyzer analyzer) {
  return analyzer == Bm25Analyzer::standard ? "standard" : "icma";
}

std::vector<std::string> bm25_tokenize(Bm25Analyzer analyzer, std::string_view text) {
  if (analyzer == Bm25Analyzer::standard) return lucene::standard_analyzer_tokens(text);
  return icma_tokens(text);
}

}  // namespace icma::retrieval
