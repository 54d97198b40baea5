#pragma once
// Edit distance as python-Levenshtein's Levenshtein.distance(a, b) on Python
// strings: insertions, deletions and substitutions of single characters, each
// costing 1, where a character is a Unicode code point (decode UTF-8 with
// icma::utf8::decode first). MolT5's Cap2Mol score averages it over rows.

#include <cstddef>
#include <string_view>

namespace icma::eval {

// Bit-parallel (Myers/Hyyrö): O(ceil(m/64) * n) word operations for strings
// of lengths m <= n, after stripping their common prefix and suffix.
std::size_t levenshtein(std::u32string_view a, std::u32string_view b);

}  // namespace icma::eval
