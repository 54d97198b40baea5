// HF's AddedVocabulary (tokenizers/src/tokenizer/added_vocabulary.rs):
// added tokens are found with a leftmost-longest search (aho-corasick's
// MatchKind::LeftmostLongest, non-overlapping, left to right), first the
// tokens with normalized = false on the raw input, then, in each piece left
// over, after normalizing it, the tokens with normalized = true, whose
// patterns are their contents normalized by the same normalizer.
//
// For each match: single_word drops it unless the characters on both sides
// are not word characters (Rust regex \w); lstrip takes in the whitespace
// (Rust regex \s) before it, but not into the previous match; rstrip takes
// in the whitespace after it. Empty pieces are dropped, so an empty input
// gives no splits.

#include <unicode/uchar.h>

#include <algorithm>
#include <array>
#include <optional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "pipeline.hpp"
#include "regex.hpp"

namespace icma::tokenizer::detail {
namespace {

// Rust regex's Unicode \w: Alphabetic, marks, decimal digits, connector
// punctuation, Join_Control.
bool is_word_char(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  const auto u = static_cast<UChar32>(c);
  if (u_hasBinaryProperty(u, UCHAR_ALPHABETIC) || u_hasBinaryProperty(u, UCHAR_JOIN_CONTROL)) return true;
  const std::int32_t mask = U_GET_GC_MASK(u);
  return (mask & (U_GC_M_MASK | U_GC_ND_MASK | U_GC_PC_MASK)) != 0;
}

bool is_space(char32_t c) { return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE); }

char32_t last_code_point(std::string_view text, std::size_t end) {
  std::size_t start = end - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80 && end - start < 4) --start;
  std::size_t at = start;
  return next_code_point(text, at);
}

}  // namespace

struct AddedVocabulary::Matcher {
  struct Entry {
    std::uint32_t id;
    bool single_word, lstrip, rstrip;
  };
  struct Node {
    std::vector<std::pair<unsigned char, std::uint32_t>> edges;  // sorted by byte
    int entry = -1;                                              // pattern ending here
  };

  std::vector<Node> nodes{Node{}};
  std::vector<Entry> entries;
  std::array<bool, 256> first_byte{};
  // For the matcher of normalized tokens: their raw contents, and the
  // matchers built from them per normalizer (made on first use).
  std::vector<std::string> raw_contents;
  mutable std::mutex cache_mutex;
  mutable std::map<const Normalizer*, std::shared_ptr<const Matcher>> cache;

  void add(const std::string& pattern, const Entry& entry) {
    if (pattern.empty()) return;
    std::uint32_t node = 0;
    for (const char ch : pattern) {
      const auto byte = static_cast<unsigned char>(ch);
      auto& edges = nodes[node].edges;
      auto it = std::lower_bound(edges.begin(), edges.end(), std::make_pair(byte, std::uint32_t{0}),
                                 [](const auto& a, const auto& b) { return a.first < b.first; });
      if (it != edges.end() && it->first == byte) {
        node = it->second;
      } else {
        const auto child = static_cast<std::uint32_t>(nodes.size());
        edges.insert(it, {byte, child});
        nodes.emplace_back();
        node = child;
      }
    }
    if (nodes[node].entry >= 0) return;  // the first token with this content wins
    nodes[node].entry = static_cast<int>(entries.size());
    entries.push_back(entry);
    first_byte[static_cast<unsigned char>(pattern[0])] = true;
  }

  bool empty() const { return entries.empty(); }

  // Longest pattern starting at `at`: its end and entry index, or entry -1.
  std::pair<std::size_t, int> longest_at(std::string_view text, std::size_t at) const {
    std::uint32_t node = 0;
    std::pair<std::size_t, int> best{at, -1};
    for (std::size_t i = at; i < text.size(); ++i) {
      const auto byte = static_cast<unsigned char>(text[i]);
      const auto& edges = nodes[node].edges;
      auto it = std::lower_bound(edges.begin(), edges.end(), std::make_pair(byte, std::uint32_t{0}),
                                 [](const auto& a, const auto& b) { return a.first < b.first; });
      if (it == edges.end() || it->first != byte) break;
      node = it->second;
      if (nodes[node].entry >= 0) best = {i + 1, nodes[node].entry};
    }
    return best;
  }

  // HF's find_matches: the sentence cut into (id or none, range) pieces.
  std::vector<std::pair<std::optional<std::uint32_t>, ByteRange>> find(std::string_view text) const {
    std::vector<std::pair<std::optional<std::uint32_t>, ByteRange>> pieces;
    std::size_t start_offset = 0;
    std::size_t at = 0;
    while (at < text.size()) {
      if (!first_byte[static_cast<unsigned char>(text[at])]) {
        ++at;
        continue;
      }
      const auto [match_end, entry_index] = longest_at(text, at);
      if (entry_index < 0) {
        ++at;
        continue;
      }
      const Entry& entry = entries[static_cast<std::size_t>(entry_index)];
      std::size_t start = at;
      std::size_t stop = match_end;
      at = match_end;  // the search goes on after the match, kept or not
      if (entry.single_word) {
        const bool start_space = start == 0 || !is_word_char(last_code_point(text, start));
        std::size_t next = stop;
        const bool stop_space = stop == text.size() || !is_word_char(next_code_point(text, next));
        if (!start_space || !stop_space) continue;
      }
      if (entry.lstrip) {
        std::size_t new_start = start;
        while (new_start > 0) {
          std::size_t char_start = new_start - 1;
          while (char_start > 0 && (static_cast<unsigned char>(text[char_start]) & 0xC0) == 0x80) --char_start;
          std::size_t probe = char_start;
          if (!is_space(next_code_point(text, probe))) break;
          new_start = char_start;
        }
        start = std::max(new_start, start_offset);
      }
      if (entry.rstrip) {
        while (stop < text.size()) {
          std::size_t probe = stop;
          if (!is_space(next_code_point(text, probe))) break;
          stop = probe;
        }
      }
      if (start_offset < start) pieces.push_back({std::nullopt, {start_offset, start}});
      pieces.push_back({entry.id, {start, stop}});
      start_offset = stop;
    }
    if (start_offset != text.size()) pieces.push_back({std::nullopt, {start_offset, text.size()}});
    return pieces;
  }
};

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens) : tokens_(std::move(tokens)) {
  auto raw = std::make_shared<Matcher>();
  auto normalized = std::make_shared<Matcher>();
  // HF matches special tokens first, then the others (each in their order):
  // the first token of a given content keeps it.
  for (const bool special : {true, false}) {
    for (const AddedToken& token : tokens_) {
      if (token.special != special || token.content.empty()) continue;
      const Matcher::Entry entry{token.id, token.single_word, token.lstrip, token.rstrip};
      if (token.normalized) {
        normalized->add(token.content, entry);
        normalized->raw_contents.push_back(token.content);
      } else {
        raw->add(token.content, entry);
      }
    }
  }
  raw_matcher_ = std::move(raw);
  normalized_matcher_ = std::move(normalized);
}

const std::vector<AddedToken>& AddedVocabulary::tokens() const { return tokens_; }

std::vector<Split> AddedVocabulary::split(std::string_view input, const Normalizer* normalizer) const {
  std::vector<Split> result;
  if (input.empty()) return result;

  // The normalized tokens' patterns are their contents normalized.
  std::shared_ptr<const Matcher> normalized_matcher = normalized_matcher_;
  if (normalizer != nullptr && !normalized_matcher_->empty()) {
    std::lock_guard<std::mutex> lock(normalized_matcher_->cache_mutex);
    auto& cached = normalized_matcher_->cache[normalizer];
    if (cached == nullptr) {
      auto built = std::make_shared<Matcher>();
      for (const bool special : {true, false}) {
        for (const AddedToken& token : tokens_) {
          if (token.special != special || token.content.empty() || !token.normalized) continue;
          std::string content = token.content;
          normalizer->normalize(content);
          built->add(content, Matcher::Entry{token.id, token.single_word, token.lstrip, token.rstrip});
        }
      }
      cached = std::move(built);
    }
    normalized_matcher = cached;
  }

  for (const auto& [id, range] : raw_matcher_->find(input)) {
    if (range.first >= range.second) continue;
    std::string text(input.substr(range.first, range.second - range.first));
    const bool at_start = range.first == 0;
    if (id) {
      result.push_back(Split{std::move(text), at_start, id});
      continue;
    }
    if (normalizer != nullptr) normalizer->normalize(text);
    for (const auto& [inner_id, inner_range] : normalized_matcher->find(text)) {
      if (inner_range.first >= inner_range.second) continue;
      result.push_back(Split{text.substr(inner_range.first, inner_range.second - inner_range.first),
                             at_start && inner_range.first == 0, inner_id});
    }
  }
  return result;
}

}  // namespace icma::tokenizer::detail
