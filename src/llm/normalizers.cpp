// Normalizers of a tokenizer.json, as Hugging Face `tokenizers` 0.23 has them
// (tokenizers/src/normalizers/*.rs, NormalizedString). Unicode facts come
// from ICU, pinned to the Unicode versions tokenizers' own tables use:
//  - NFC/NFD/NFKC/NFKD come from `unicode-normalization-alignments`, whose
//    tables are Unicode 9.0: characters assigned later pass through unchanged
//    (ICU's FilteredNormalizer2 over [:Age=9.0:] does exactly that);
//  - Lowercase is Rust's char::to_lowercase per character (full mappings, no
//    final-sigma context), Unicode 17 in the 0.23.2 build;
//  - Strip uses char::is_whitespace (White_Space);
//  - StripAccents drops nonspacing marks (Mn) as `unicode_categories`
//    (Unicode 8.0) has them.

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uniset.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "icma/core/error.hpp"
#include "icma/text/wordpiece.hpp"
#include "json_fields.hpp"
#include "pipeline.hpp"
#include "regex.hpp"

namespace icma::llm::detail {
namespace {

using nlohmann::json;

bool assigned_by(UChar32 c, int major, int minor) {
  UVersionInfo age;
  u_charAge(c, age);
  if (age[0] == 0) return false;
  return age[0] < major || (age[0] == major && age[1] <= minor);
}

// ---- Unicode normalization forms ----------------------------------------------

enum class Form { NFC, NFD, NFKC, NFKD };

const icu::Normalizer2& normalizer_for(Form form) {
  struct Instances {
    std::unique_ptr<icu::UnicodeSet> unicode_9;
    std::array<std::unique_ptr<icu::FilteredNormalizer2>, 4> filtered;
  };
  static const Instances instances = [] {
    Instances result;
    UErrorCode status = U_ZERO_ERROR;
    result.unicode_9 = std::make_unique<icu::UnicodeSet>(icu::UnicodeString(u"[:Age=9.0:]"), status);
    if (U_FAILURE(status)) throw Error(std::string("ICU: cannot build [:Age=9.0:]: ") + u_errorName(status));
    result.unicode_9->freeze();
    const icu::Normalizer2* base[4] = {
        icu::Normalizer2::getNFCInstance(status), icu::Normalizer2::getNFDInstance(status),
        icu::Normalizer2::getNFKCInstance(status), icu::Normalizer2::getNFKDInstance(status)};
    if (U_FAILURE(status)) throw Error(std::string("ICU has no normalization data: ") + u_errorName(status));
    for (int i = 0; i < 4; ++i) result.filtered[i] = std::make_unique<icu::FilteredNormalizer2>(*base[i], *result.unicode_9);
    return result;
  }();
  return *instances.filtered[static_cast<int>(form)];
}

class UnicodeNormalizer : public Normalizer {
 public:
  explicit UnicodeNormalizer(Form form) : normalizer_(normalizer_for(form)) {}
  void normalize(std::string& text) const override {
    bool ascii = true;
    for (const char c : text) {
      if (static_cast<unsigned char>(c) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return;  // ASCII is invariant under every form
    UErrorCode status = U_ZERO_ERROR;
    const icu::UnicodeString source = icu::UnicodeString::fromUTF8(text);
    const icu::UnicodeString result = normalizer_.normalize(source, status);
    if (U_FAILURE(status)) throw Error(std::string("ICU normalization failed: ") + u_errorName(status));
    text.clear();
    result.toUTF8String(text);
  }

 private:
  const icu::Normalizer2& normalizer_;
};

// ---- Lowercase ----------------------------------------------------------------

// Case pairs of Unicode 16 and 17, which Rust's std knows and ICU 72 not yet.
struct LowercaseRange {
  char32_t first, last;
  std::int32_t delta;
};
constexpr std::array<LowercaseRange, 10> kNewerLowercase = {{
    {0x1C89, 0x1C89, 1},
    {0xA7CB, 0xA7CB, 0x0264 - 0xA7CB},
    {0xA7CC, 0xA7CC, 1},
    {0xA7CE, 0xA7CE, 1},
    {0xA7D2, 0xA7D2, 1},
    {0xA7D4, 0xA7D4, 1},
    {0xA7DA, 0xA7DA, 1},
    {0xA7DC, 0xA7DC, 0x019B - 0xA7DC},
    {0x10D50, 0x10D65, 0x20},
    {0x16EA0, 0x16EB8, 0x1B},
}};

// char::to_lowercase of one character, appended as UTF-8. ICU's u_strToLower
// on the character alone in the root locale gives the same full mapping (its
// one contextual rule, Final_Sigma, needs a preceding letter).
void append_lowercase(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    return;
  }
  for (const LowercaseRange& range : kNewerLowercase) {
    if (c >= range.first && c <= range.last) {
      append_utf8(out, static_cast<char32_t>(static_cast<std::int32_t>(c) + range.delta));
      return;
    }
  }
  UChar source[2];
  std::int32_t source_length = 0;
  U16_APPEND_UNSAFE(source, source_length, static_cast<UChar32>(c));
  UChar lowered[8];
  UErrorCode status = U_ZERO_ERROR;
  const std::int32_t length = u_strToLower(lowered, 8, source, source_length, "", &status);
  if (U_FAILURE(status)) {
    append_utf8(out, c);
    return;
  }
  for (std::int32_t i = 0; i < length;) {
    UChar32 lowered_c;
    U16_NEXT(lowered, i, length, lowered_c);
    append_utf8(out, static_cast<char32_t>(lowered_c));
  }
}

std::string lowercase(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  while (at < text.size()) append_lowercase(out, next_code_point(text, at));
  return out;
}

class LowercaseNormalizer : public Normalizer {
 public:
  void normalize(std::string& text) const override { text = lowercase(text); }
};

// ---- Strip, StripAccents, Prepend, Replace, ByteLevel ---------------------------

bool is_whitespace(char32_t c) { return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE); }

class StripNormalizer : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  void normalize(std::string& text) const override {
    std::size_t begin = 0;
    std::size_t end = text.size();
    if (left_) {
      while (begin < end) {
        std::size_t at = begin;
        if (!is_whitespace(next_code_point(text, at))) break;
        begin = at;
      }
    }
    if (right_) {
      while (end > begin) {
        std::size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        std::size_t at = start;
        if (!is_whitespace(next_code_point(text, at))) break;
        end = start;
      }
    }
    text = text.substr(begin, end - begin);
  }

 private:
  bool left_, right_;
};

bool is_nonspacing_mark_unicode_8(char32_t c) {
  const auto u = static_cast<UChar32>(c);
  switch (c) {  // category changed since Unicode 8.0
    case 0x1734: return true;
    case 0x111C9: case 0x1885: case 0x1886: case 0xA9BD: return false;
    default: break;
  }
  return assigned_by(u, 8, 0) && u_charType(u) == U_NON_SPACING_MARK;
}

std::string strip_accents(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t begin = at;
    const char32_t c = next_code_point(text, at);
    if (!is_nonspacing_mark_unicode_8(c)) out.append(text.substr(begin, at - begin));
  }
  return out;
}

class StripAccentsNormalizer : public Normalizer {
 public:
  void normalize(std::string& text) const override { text = strip_accents(text); }
};

class PrependNormalizer : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prepend) : prepend_(std::move(prepend)) {}
  void normalize(std::string& text) const override {
    if (!text.empty()) text.insert(0, prepend_);
  }

 private:
  std::string prepend_;
};

class ReplaceNormalizer : public Normalizer {
 public:
  ReplaceNormalizer(Regex regex, std::string content) : regex_(std::move(regex)), content_(std::move(content)) {}
  void normalize(std::string& text) const override {
    const auto matches = regex_.find_all(text);
    if (matches.empty()) return;
    std::string out;
    out.reserve(text.size());
    std::size_t last = 0;
    for (const auto& [begin, end] : matches) {
      out.append(text, last, begin - last);
      out += content_;
      last = end;
    }
    out.append(text, last, std::string::npos);
    text = std::move(out);
  }

 private:
  Regex regex_;
  std::string content_;
};

// GPT-2's byte-to-character table: printable bytes map to themselves, the
// others to U+0100 onwards, in byte order.
const std::array<std::string, 256>& byte_chars() {
  static const std::array<std::string, 256> table = [] {
    std::array<std::string, 256> chars;
    char32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      append_utf8(chars[b], printable ? static_cast<char32_t>(b) : next++);
    }
    return chars;
  }();
  return table;
}

class ByteLevelNormalizer : public Normalizer {
 public:
  void normalize(std::string& text) const override {
    const auto& chars = byte_chars();
    std::string out;
    out.reserve(text.size() * 2);
    for (const char c : text) out += chars[static_cast<unsigned char>(c)];
    text = std::move(out);
  }
};

// ---- BertNormalizer -------------------------------------------------------------

UCharCategory category_unicode_8(char32_t c) {
  switch (c) {
    case 0x166D: case 0x111C9: return U_OTHER_PUNCTUATION;
    case 0x1734: return U_NON_SPACING_MARK;
    case 0x1885: case 0x1886: return U_OTHER_LETTER;
    case 0xA9BD: return U_COMBINING_SPACING_MARK;
    default: break;
  }
  if (!assigned_by(static_cast<UChar32>(c), 8, 0)) return U_UNASSIGNED;
  return static_cast<UCharCategory>(u_charType(static_cast<UChar32>(c)));
}

bool is_bert_control(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  const UCharCategory category = category_unicode_8(c);
  return category == U_CONTROL_CHAR || category == U_FORMAT_CHAR || category == U_PRIVATE_USE_CHAR;
}

bool is_chinese_char(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

class BertNormalizer : public Normalizer {
 public:
  BertNormalizer(bool clean_text, bool handle_chinese_chars, bool strip_accents, bool lowercase)
      : clean_text_(clean_text),
        handle_chinese_chars_(handle_chinese_chars),
        strip_accents_(strip_accents),
        lowercase_(lowercase),
        uncased_(clean_text && handle_chinese_chars && strip_accents && lowercase) {}

  void normalize(std::string& text) const override {
    if (uncased_) {  // the exact, tested implementation of the common case
      text = icma::text::bert::normalize_uncased(text);
      return;
    }
    std::string out;
    out.reserve(text.size());
    std::size_t at = 0;
    while (at < text.size()) {
      const std::size_t begin = at;
      const char32_t c = next_code_point(text, at);
      if (clean_text_) {
        if (c == 0 || c == 0xFFFD || is_bert_control(c)) continue;
        if (is_whitespace(c)) {
          out += ' ';
          continue;
        }
      }
      if (handle_chinese_chars_ && is_chinese_char(c)) {
        out += ' ';
        out.append(text, begin, at - begin);
        out += ' ';
        continue;
      }
      out.append(text, begin, at - begin);
    }
    if (strip_accents_) {
      UnicodeNormalizer(Form::NFD).normalize(out);
      out = strip_accents(out);
    }
    if (lowercase_) out = lowercase(out);
    text = std::move(out);
  }

 private:
  bool clean_text_, handle_chinese_chars_, strip_accents_, lowercase_, uncased_;
};

// ---- Sequence -------------------------------------------------------------------

class SequenceNormalizer : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> stages) : stages_(std::move(stages)) {}
  void normalize(std::string& text) const override {
    for (const auto& stage : stages_) stage->normalize(text);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> stages_;
};

Regex pattern_field(const json& object, const std::string& where) {
  const json& pattern = field(object, "pattern", where);
  const std::string path = where + ".pattern";
  if (!pattern.is_object() || pattern.size() != 1) fail(path, "expected {\"String\": ...} or {\"Regex\": ...}");
  if (pattern.contains("String")) {
    if (!pattern["String"].is_string()) fail(path + ".String", "expected a string");
    return Regex::literal(pattern["String"].get<std::string>(), "tokenizer.json: " + path + ".String");
  }
  if (pattern.contains("Regex")) {
    if (!pattern["Regex"].is_string()) fail(path + ".Regex", "expected a string");
    return Regex(pattern["Regex"].get<std::string>(), "tokenizer.json: " + path + ".Regex");
  }
  fail(path, "expected {\"String\": ...} or {\"Regex\": ...}");
}

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const json& config, const std::string& where) {
  if (config.is_null()) return nullptr;
  if (!config.is_object()) fail(where, "expected an object or null");
  const std::string type = string_field(config, "type", where);
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(Form::NFC);
  if (type == "NFD") return std::make_unique<UnicodeNormalizer>(Form::NFD);
  if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(Form::NFKC);
  if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(Form::NFKD);
  if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
  if (type == "Strip") {
    return std::make_unique<StripNormalizer>(bool_field(config, "strip_left", where, true),
                                             bool_field(config, "strip_right", where, true));
  }
  if (type == "StripAccents") return std::make_unique<StripAccentsNormalizer>();
  if (type == "Prepend") return std::make_unique<PrependNormalizer>(string_field(config, "prepend", where));
  if (type == "Replace") {
    return std::make_unique<ReplaceNormalizer>(pattern_field(config, where), string_field(config, "content", where));
  }
  if (type == "ByteLevel") return std::make_unique<ByteLevelNormalizer>();
  if (type == "BertNormalizer") {
    const bool lower = bool_field(config, "lowercase", where, true);
    return std::make_unique<BertNormalizer>(bool_field(config, "clean_text", where, true),
                                            bool_field(config, "handle_chinese_chars", where, true),
                                            bool_field(config, "strip_accents", where, lower), lower);
  }
  if (type == "Sequence") {
    const json& list = field(config, "normalizers", where);
    if (!list.is_array()) fail(where + ".normalizers", "expected an array");
    std::vector<std::unique_ptr<Normalizer>> stages;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string path = where + ".normalizers[" + std::to_string(i) + "]";
      auto stage = make_normalizer(list[i], path);
      if (stage == nullptr) fail(path, "expected a normalizer, not null");
      stages.push_back(std::move(stage));
    }
    return std::make_unique<SequenceNormalizer>(std::move(stages));
  }
  if (type == "Precompiled" || type == "Nmt") fail(where + ".type", "normalizer type " + type + " is not supported");
  fail(where + ".type", "unknown normalizer type \"" + type + "\"");
}

}  // namespace icma::llm::detail
