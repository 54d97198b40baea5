// Pre-tokenizers of a tokenizer.json, as Hugging Face `tokenizers` 0.23 has
// them (tokenizers/src/pre_tokenizers/*.rs, NormalizedString::split,
// PreTokenizedString::split). Each works on the splits without an id; a piece
// that comes out empty is dropped, as PreTokenizedString::split does.

#include <unicode/uchar.h>

#include <algorithm>
#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "icma/core/error.hpp"
#include "icma/text/hf_unicode.hpp"
#include "byte_level.hpp"
#include "json_fields.hpp"
#include "pipeline.hpp"
#include "regex.hpp"

namespace icma::tokenizer::detail {
namespace {

using nlohmann::json;
using Pieces = std::vector<std::pair<ByteRange, bool>>;

// ---- character facts ------------------------------------------------------------

// Whitespace and punctuation as tokenizers has them (icma/text/hf_unicode.hpp).
using icma::text::hf_unicode::is_punctuation;
using icma::text::hf_unicode::is_whitespace;

// Rust's char::is_numeric: general category Nd, Nl or No.
bool is_numeric(char32_t c) {
  if (c < 0x80) return c >= '0' && c <= '9';
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_DECIMAL_DIGIT_NUMBER:
    case U_LETTER_NUMBER:
    case U_OTHER_NUMBER:
      return true;
    default:
      return false;
  }
}

// ---- splitting ------------------------------------------------------------------

enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

Behavior parse_behavior(const json& value, const std::string& where) {
  if (!value.is_string()) fail(where, "expected a string");
  const std::string name = value.get<std::string>();
  if (name == "Removed") return Behavior::Removed;
  if (name == "Isolated") return Behavior::Isolated;
  if (name == "MergedWithPrevious") return Behavior::MergedWithPrevious;
  if (name == "MergedWithNext") return Behavior::MergedWithNext;
  if (name == "Contiguous") return Behavior::Contiguous;
  fail(where, "unknown split behavior \"" + name + "\"");
}

// NormalizedString::split: the kept ranges, given the pieces (range, is_match).
std::vector<ByteRange> apply_behavior(const Pieces& pieces, Behavior behavior) {
  std::vector<ByteRange> kept;
  switch (behavior) {
    case Behavior::Removed:
      for (const auto& [range, is_match] : pieces) {
        if (!is_match) kept.push_back(range);
      }
      break;
    case Behavior::Isolated:
      for (const auto& piece : pieces) kept.push_back(piece.first);
      break;
    case Behavior::Contiguous: {
      bool previous_match = false;
      for (const auto& [range, is_match] : pieces) {
        if (is_match == previous_match && !kept.empty()) {
          kept.back().second = range.second;
        } else {
          kept.push_back(range);
        }
        previous_match = is_match;
      }
      break;
    }
    case Behavior::MergedWithPrevious: {
      bool previous_match = false;
      for (const auto& [range, is_match] : pieces) {
        if (is_match && !previous_match && !kept.empty()) {
          kept.back().second = range.second;
        } else {
          kept.push_back(range);
        }
        previous_match = is_match;
      }
      break;
    }
    case Behavior::MergedWithNext: {
      bool previous_match = false;
      for (auto it = pieces.rbegin(); it != pieces.rend(); ++it) {
        const auto& [range, is_match] = *it;
        if (is_match && !previous_match && !kept.empty()) {
          kept.back().first = range.first;
        } else {
          kept.push_back(range);
        }
        previous_match = is_match;
      }
      std::reverse(kept.begin(), kept.end());
      break;
    }
  }
  return kept;
}

// PreTokenizedString::split: replaces every split without an id by the
// non-empty pieces `cut` makes of it (cut may also rewrite the text first).
// A piece is at the input start when it starts at byte 0 of a split that is.
template <typename Cut>
void split_each(std::vector<Split>& splits, Cut cut) {
  std::vector<Split> result;
  result.reserve(splits.size());
  for (Split& split : splits) {
    if (split.id) {
      result.push_back(std::move(split));
      continue;
    }
    std::string text = std::move(split.text);
    const std::vector<ByteRange> ranges = cut(text, split.at_input_start);
    for (const auto& [begin, end] : ranges) {
      if (begin >= end) continue;
      Split piece;
      piece.text = text.substr(begin, end - begin);
      piece.at_input_start = split.at_input_start && begin == 0;
      result.push_back(std::move(piece));
    }
  }
  splits = std::move(result);
}

Pieces invert(Pieces pieces) {
  for (auto& piece : pieces) piece.second = !piece.second;
  return pieces;
}

// ---- the pre-tokenizers ---------------------------------------------------------

const Regex& gpt2_regex() {
  static const Regex regex(R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)",
                           "GPT-2 regex");
  return regex;
}

class ByteLevelPreTokenizer : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {}
  void pre_tokenize(std::vector<Split>& splits) const override {
    split_each(splits, [this](std::string& text, bool) {
      if (add_prefix_space_ && !text.empty() && text[0] != ' ') text.insert(0, " ");
      if (!use_regex_) return std::vector<ByteRange>{{0, text.size()}};
      return apply_behavior(gpt2_regex().find_matches(text), Behavior::Isolated);
    });
    const auto& chars = byte_chars();
    for (Split& split : splits) {
      if (split.id) continue;
      std::string mapped;
      mapped.reserve(split.text.size() * 2);
      for (const char c : split.text) mapped += chars[static_cast<unsigned char>(c)];
      split.text = std::move(mapped);
    }
  }

 private:
  bool add_prefix_space_, use_regex_;
};

enum class PrependScheme { First, Never, Always };

class MetaspacePreTokenizer : public PreTokenizer {
 public:
  MetaspacePreTokenizer(char32_t replacement, PrependScheme scheme, bool split)
      : replacement_char_(replacement), scheme_(scheme), split_(split) {
    append_utf8(replacement_, replacement);
  }
  void pre_tokenize(std::vector<Split>& splits) const override {
    split_each(splits, [this](std::string& text, bool at_input_start) {
      std::string replaced;
      replaced.reserve(text.size() + replacement_.size());
      for (const char c : text) {
        if (c == ' ') {
          replaced += replacement_;
        } else {
          replaced += c;
        }
      }
      text = std::move(replaced);
      const bool starts = text.compare(0, replacement_.size(), replacement_) == 0;
      if (!text.empty() && !starts &&
          (scheme_ == PrependScheme::Always || (scheme_ == PrependScheme::First && at_input_start))) {
        text.insert(0, replacement_);
      }
      if (!split_) return std::vector<ByteRange>{{0, text.size()}};
      const char32_t replacement = replacement_char_;
      return apply_behavior(find_char_matches(text, [replacement](char32_t c) { return c == replacement; }),
                            Behavior::MergedWithNext);
    });
  }

 private:
  char32_t replacement_char_;
  std::string replacement_;
  PrependScheme scheme_;
  bool split_;
};

class RegexSplitPreTokenizer : public PreTokenizer {
 public:
  RegexSplitPreTokenizer(Regex regex, Behavior behavior, bool invert)
      : regex_(std::move(regex)), behavior_(behavior), invert_(invert) {}
  void pre_tokenize(std::vector<Split>& splits) const override {
    split_each(splits, [this](std::string& text, bool) {
      Pieces pieces = regex_.find_matches(text);
      if (invert_) pieces = invert(std::move(pieces));
      return apply_behavior(pieces, behavior_);
    });
  }

 private:
  Regex regex_;
  Behavior behavior_;
  bool invert_;
};

class CharSplitPreTokenizer : public PreTokenizer {
 public:
  CharSplitPreTokenizer(std::function<bool(char32_t)> predicate, Behavior behavior)
      : predicate_(std::move(predicate)), behavior_(behavior) {}
  void pre_tokenize(std::vector<Split>& splits) const override {
    split_each(splits, [this](std::string& text, bool) {
      return apply_behavior(find_char_matches(text, predicate_), behavior_);
    });
  }

 private:
  std::function<bool(char32_t)> predicate_;
  Behavior behavior_;
};

// Rust regex's Unicode \w (Whitespace uses the `regex` crate, not Oniguruma):
// Alphabetic, marks, decimal digits, connector punctuation, Join_Control.
bool is_word_char(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  const auto u = static_cast<UChar32>(c);
  if (u_hasBinaryProperty(u, UCHAR_ALPHABETIC) || u_hasBinaryProperty(u, UCHAR_JOIN_CONTROL)) return true;
  return (U_GET_GC_MASK(u) & (U_GC_M_MASK | U_GC_ND_MASK | U_GC_PC_MASK)) != 0;
}

// Whitespace: the matches of \w+|[^\w\s]+ (Rust regex), the rest dropped.
class WhitespacePreTokenizer : public PreTokenizer {
 public:
  void pre_tokenize(std::vector<Split>& splits) const override {
    split_each(splits, [](std::string& text, bool) {
      std::vector<ByteRange> kept;
      std::size_t at = 0;
      while (at < text.size()) {
        const std::size_t begin = at;
        const char32_t c = next_code_point(text, at);
        if (is_whitespace(c)) continue;
        const bool word = is_word_char(c);
        std::size_t end = at;
        while (end < text.size()) {
          std::size_t next = end;
          const char32_t d = next_code_point(text, next);
          if (word ? !is_word_char(d) : (is_word_char(d) || is_whitespace(d))) break;
          end = next;
        }
        kept.emplace_back(begin, end);
        at = end;
      }
      return kept;
    });
  }
};

class SequencePreTokenizer : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> stages) : stages_(std::move(stages)) {}
  void pre_tokenize(std::vector<Split>& splits) const override {
    for (const auto& stage : stages_) stage->pre_tokenize(splits);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> stages_;
};

char32_t single_char(const json& object, const char* name, const std::string& where) {
  const std::string text = string_field(object, name, where);
  std::size_t at = 0;
  const char32_t c = text.empty() ? 0 : next_code_point(text, at);
  if (text.empty() || at != text.size()) fail(where + "." + name, "expected a single character");
  return c;
}

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const json& config, const std::string& where) {
  if (config.is_null()) return nullptr;
  if (!config.is_object()) fail(where, "expected an object or null");
  const std::string type = string_field(config, "type", where);
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevelPreTokenizer>(bool_field(config, "add_prefix_space", where, true),
                                                   bool_field(config, "use_regex", where, true));
  }
  if (type == "Metaspace") {
    const char32_t replacement = single_char(config, "replacement", where);
    // As tokenizers reads it: prepend_scheme defaults to "always"; the legacy
    // add_prefix_space = false is accepted only beside prepend_scheme "never".
    PrependScheme scheme = PrependScheme::Always;
    const auto scheme_it = config.find("prepend_scheme");
    if (scheme_it != config.end()) {
      const std::string path = where + ".prepend_scheme";
      if (!scheme_it->is_string()) fail(path, "expected \"first\", \"never\" or \"always\"");
      const std::string name = scheme_it->get<std::string>();
      if (name == "first") {
        scheme = PrependScheme::First;
      } else if (name == "never") {
        scheme = PrependScheme::Never;
      } else if (name == "always") {
        scheme = PrependScheme::Always;
      } else {
        fail(path, "expected \"first\", \"never\" or \"always\", not \"" + name + "\"");
      }
    }
    if (!bool_field(config, "add_prefix_space", where, true) && scheme != PrependScheme::Never) {
      fail(where + ".add_prefix_space", "add_prefix_space does not match declared prepend_scheme");
    }
    return std::make_unique<MetaspacePreTokenizer>(replacement, scheme, bool_field(config, "split", where, true));
  }
  if (type == "Split") {
    return std::make_unique<RegexSplitPreTokenizer>(pattern_field(config, where),
                                                    parse_behavior(field(config, "behavior", where), where + ".behavior"),
                                                    bool_field(config, "invert", where, false));
  }
  if (type == "Digits") {
    const bool individual = bool_field(config, "individual_digits", where, false);
    return std::make_unique<CharSplitPreTokenizer>(is_numeric, individual ? Behavior::Isolated : Behavior::Contiguous);
  }
  if (type == "Whitespace") return std::make_unique<WhitespacePreTokenizer>();
  if (type == "WhitespaceSplit") return std::make_unique<CharSplitPreTokenizer>(is_whitespace, Behavior::Removed);
  if (type == "CharDelimiterSplit") {
    const char32_t delimiter = single_char(config, "delimiter", where);
    return std::make_unique<CharSplitPreTokenizer>([delimiter](char32_t c) { return c == delimiter; },
                                                   Behavior::Removed);
  }
  if (type == "Punctuation") {
    Behavior behavior = Behavior::Isolated;
    const auto it = config.find("behavior");
    if (it != config.end() && !it->is_null()) behavior = parse_behavior(*it, where + ".behavior");
    return std::make_unique<CharSplitPreTokenizer>(is_punctuation, behavior);
  }
  if (type == "BertPreTokenizer") {
    std::vector<std::unique_ptr<PreTokenizer>> stages;
    stages.push_back(std::make_unique<CharSplitPreTokenizer>(is_whitespace, Behavior::Removed));
    stages.push_back(std::make_unique<CharSplitPreTokenizer>(is_punctuation, Behavior::Isolated));
    return std::make_unique<SequencePreTokenizer>(std::move(stages));
  }
  if (type == "Sequence") {
    const json& list = field(config, "pretokenizers", where);
    if (!list.is_array()) fail(where + ".pretokenizers", "expected an array");
    std::vector<std::unique_ptr<PreTokenizer>> stages;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string path = where + ".pretokenizers[" + std::to_string(i) + "]";
      auto stage = make_pre_tokenizer(list[i], path);
      if (stage == nullptr) fail(path, "expected a pre-tokenizer, not null");
      stages.push_back(std::move(stage));
    }
    return std::make_unique<SequencePreTokenizer>(std::move(stages));
  }
  if (type == "UnicodeScripts" || type == "FixedLength") {
    fail(where + ".type", "pre-tokenizer type " + type + " is not supported");
  }
  fail(where + ".type", "unknown pre-tokenizer type \"" + type + "\"");
}

}  // namespace icma::tokenizer::detail
