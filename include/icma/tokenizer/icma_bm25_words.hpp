#pragma once
// The words the official ICMA code gives BM25 (phenixace/ICMA, the caption
// retrieval script): '-' ',' '(' ')' become spaces, '.' is deleted, runs of
// spaces collapse to one, then Python's str.split(" "), so a leading or
// trailing space yields an empty word and "" yields [""]. No lower-casing.
// retrieval/bm25.hpp's `icma` analyzer.

#include <string>
#include <string_view>
#include <vector>

namespace icma::tokenizer {

std::vector<std::string> icma_bm25_words(std::string_view text);

}  // namespace icma::tokenizer
