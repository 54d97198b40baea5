#include "icma/eval/levenshtein.hpp"

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <utility>
#include <vector>

namespace icma::eval {
namespace {

using Word = std::uint64_t;
constexpr std::size_t kWordBits = 64;

// For each character, the pattern positions where it occurs, as bit masks:
// one word per block of 64 positions. ASCII characters (all of SMILES) are
// looked up in a table, others in a hash map.
class PatternMasks {
 public:
  explicit PatternMasks(std::u32string_view pattern)
      : blocks_((pattern.size() + kWordBits - 1) / kWordBits),
        ascii_(kAsciiSize * blocks_, 0),
        absent_(blocks_, 0) {
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      const char32_t c = pattern[i];
      Word* masks = c < kAsciiSize ? &ascii_[c * blocks_] : other_mask(c);
      masks[i / kWordBits] |= Word{1} << (i % kWordBits);
    }
  }

  std::size_t blocks() const { return blocks_; }

  const Word* masks(char32_t c) const {
    if (c < kAsciiSize) return &ascii_[c * blocks_];
    const auto found = other_.find(c);
    return found == other_.end() ? absent_.data() : found->second.data();
  }

 private:
  static constexpr char32_t kAsciiSize = 128;

  Word* other_mask(char32_t c) {
    auto& masks = other_[c];
    if (masks.empty()) masks.assign(blocks_, 0);
    return masks.data();
  }

  std::size_t blocks_;
  std::vector<Word> ascii_;
  std::unordered_map<char32_t, std::vector<Word>> other_;
  std::vector<Word> absent_;
};

// Myers' bit-vector algorithm (1999) in Hyyrö's form for patterns longer
// than a word: each column of the DP matrix is kept as vertical deltas
// (+1 in pv, -1 in mv) per block of 64 rows; each block passes the
// horizontal delta at its last row to the block below. The distance is the
// bottom-left cell, m, plus the horizontal deltas along the bottom row.
std::size_t myers_distance(std::u32string_view pattern, std::u32string_view text) {
  const PatternMasks table(pattern);
  const std::size_t blocks = table.blocks();
  std::vector<Word> pv(blocks, ~Word{0});  // column 0: D[i][0] = i, all +1
  std::vector<Word> mv(blocks, 0);
  // The bottom row of the last block is row m; rows past it are padding whose
  // bits never reach the rows above (carries and shifts only move upwards in
  // row number, i.e. towards higher bits).
  const Word last_row_bit = Word{1} << ((pattern.size() - 1) % kWordBits);
  const Word block_last_bit = Word{1} << (kWordBits - 1);

  std::size_t distance = pattern.size();
  for (const char32_t c : text) {
    const Word* eq_masks = table.masks(c);
    int h_in = 1;  // row 0 is D[0][j] = j: its horizontal delta is +1
    for (std::size_t b = 0; b < blocks; ++b) {
      Word eq = eq_masks[b];
      const Word p = pv[b];
      const Word m = mv[b];
      const Word x_v = eq | m;
      if (h_in < 0) eq |= 1;
      const Word x_h = (((eq & p) + p) ^ p) | eq;
      Word p_h = m | ~(x_h | p);
      Word m_h = p & x_h;

      const Word out_bit = b + 1 == blocks ? last_row_bit : block_last_bit;
      const int h_out = (p_h & out_bit) ? 1 : (m_h & out_bit) ? -1 : 0;

      p_h <<= 1;
      m_h <<= 1;
      if (h_in < 0) m_h |= 1;
      if (h_in > 0) p_h |= 1;
      pv[b] = m_h | ~(x_v | p_h);
      mv[b] = p_h & x_v;
      h_in = h_out;
    }
    // h_in now holds the last block's delta at row m.
    distance = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(distance) + h_in);
  }
  return distance;
}

}  // namespace

std::size_t levenshtein(std::u32string_view a, std::u32string_view b) {
  // A common prefix or suffix never changes the distance; SMILES pairs often
  // share long ones.
  while (!a.empty() && !b.empty() && a.front() == b.front()) {
    a.remove_prefix(1);
    b.remove_prefix(1);
  }
  while (!a.empty() && !b.empty() && a.back() == b.back()) {
    a.remove_suffix(1);
    b.remove_suffix(1);
  }
  // The shorter string is the pattern: fewer blocks per text character.
  if (a.size() > b.size()) std::swap(a, b);
  if (a.empty()) return b.size();
  return myers_distance(a, b);
}

}  // namespace icma::eval
