// BM25 analyzers: text -> tokens. The ICMA code's word splitter lives with
// the other tokenisers (tokenizer/icma_bm25_words.hpp); Lucene's
// StandardAnalyzer is Lucene's (bm25_lucene.cpp).

#include <string>

#include "bm25_lucene.hpp"
#include "icma/core/error.hpp"
#include "icma/retrieval/bm25.hpp"
#include "icma/tokenizer/icma_bm25_words.hpp"

namespace icma::retrieval {

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
  return tokenizer::icma_bm25_words(text);
}

}  // namespace icma::retrieval
