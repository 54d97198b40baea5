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
// The per-character facts (and Lowercase's mapping) are shared with the BERT
// stages of the text module, in icma/text/hf_unicode.hpp.

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>
#include <unicode/uniset.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "icma/core/error.hpp"
#include "icma/text/hf_unicode.hpp"
#include "icma/tokenizer/wordpiece.hpp"
#include "byte_level.hpp"
#include "json_fields.hpp"
#include "pipeline.hpp"
#include "regex.hpp"

namespace icma::tokenizer::detail {
namespace {

using nlohmann::json;
namespace hf_unicode = icma::text::hf_unicode;  // character facts as tokenizers sees them

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

std::string lowercase(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  char32_t lower[hf_unicode::kMaxLowercaseLength];
  while (at < text.size()) {
    const std::size_t count = hf_unicode::to_lowercase(next_code_point(text, at), lower);
    for (std::size_t i = 0; i < count; ++i) append_utf8(out, lower[i]);
  }
  return out;
}

class LowercaseNormalizer : public Normalizer {
 public:
  void normalize(std::string& text) const override { text = lowercase(text); }
};

// ---- Strip, StripAccents, Prepend, Replace, ByteLevel ---------------------------

class StripNormalizer : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  void normalize(std::string& text) const override {
    std::size_t begin = 0;
    std::size_t end = text.size();
    if (left_) {
      while (begin < end) {
        std::size_t at = begin;
        if (!hf_unicode::is_whitespace(next_code_point(text, at))) break;
        begin = at;
      }
    }
    if (right_) {
      while (end > begin) {
        std::size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        std::size_t at = start;
        if (!hf_unicode::is_whitespace(next_code_point(text, at))) break;
        end = start;
      }
    }
    text = text.substr(begin, end - begin);
  }

 private:
  bool left_, right_;
};

std::string strip_accents(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t begin = at;
    const char32_t c = next_code_point(text, at);
    if (!hf_unicode::is_nonspacing_mark(c)) out.append(text.substr(begin, at - begin));
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
      text = icma::tokenizer::bert::normalize_uncased(text);
      return;
    }
    std::string out;
    out.reserve(text.size());
    std::size_t at = 0;
    while (at < text.size()) {
      const std::size_t begin = at;
      const char32_t c = next_code_point(text, at);
      if (clean_text_) {
        if (c == 0 || c == 0xFFFD || hf_unicode::is_control(c)) continue;
        if (hf_unicode::is_whitespace(c)) {
          out += ' ';
          continue;
        }
      }
      if (handle_chinese_chars_ && hf_unicode::is_chinese_char(c)) {
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

}  // namespace icma::tokenizer::detail
