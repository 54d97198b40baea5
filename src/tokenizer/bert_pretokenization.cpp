// The BERT stages before WordPiece, reproducing Hugging Face `tokenizers`
// (see include/icma/tokenizer/wordpiece.hpp and bert_pretokenization.hpp):
//   1. character facts, with the Unicode versions tokenizers really uses
//      (icma/text/hf_unicode.hpp)
//   2. BertNormalizer
//   3. BertPreTokenizer (for_each_word, in the header)
// and bert::normalize_uncased / bert::pre_tokenize, the stages on their own.

#include "bert_pretokenization.hpp"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>
#include <unicode/utf16.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "icma/core/error.hpp"
#include "icma/core/utf8.hpp"
#include "icma/tokenizer/wordpiece.hpp"

namespace icma::tokenizer {
namespace detail {

// ---- 1. character facts ---------------------------------------------------------
// The facts themselves (with the Unicode versions tokenizers really uses) are
// in icma/text/hf_unicode.hpp, shared with the llm module's normalizers and
// pre-tokenizers. tests/tokenizer/wordpiece_test.cpp checks every code point
// against tokenizers.

// Per-character facts for ASCII, computed once from hf_unicode, so
// that the common case costs one table lookup.
// (AsciiFlag itself is in bert_pretokenization.hpp.)
const std::array<std::uint8_t, 128>& ascii_flags() {
  static const std::array<std::uint8_t, 128> table = [] {
    std::array<std::uint8_t, 128> flags{};
    for (char32_t c = 0; c < 128; ++c) {
      if (c == 0 || text::hf_unicode::is_control(c)) flags[c] |= kDropped;
      if (text::hf_unicode::is_whitespace(c)) flags[c] |= kSpace;
      if (text::hf_unicode::is_punctuation(c)) flags[c] |= kPunctuation;
    }
    return flags;
  }();
  return table;
}

namespace {

const icu::Normalizer2& nfd_normalizer() {
  static const icu::Normalizer2* normalizer = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* instance = icu::Normalizer2::getNFDInstance(status);
    if (U_FAILURE(status)) throw Error(std::string("ICU has no NFD data: ") + u_errorName(status));
    return instance;
  }();
  return *normalizer;
}

// NFD as unicode-normalization-alignments computes it: full canonical
// decomposition of each character, then the canonical ordering of each run of
// combining marks (a stable sort by combining class), all with Unicode 9.0 data.
std::u32string nfd_unicode_9(std::u32string_view text) {
  std::u32string out;
  out.reserve(text.size() + text.size() / 4);
  icu::UnicodeString decomposition;
  for (const char32_t c : text) {
    // Nothing below U+00C0 has a canonical decomposition.
    if (c < 0xC0 || !text::hf_unicode::assigned_by(c, 9, 0) ||
        !nfd_normalizer().getDecomposition(static_cast<UChar32>(c), decomposition)) {
      out.push_back(c);
      continue;
    }
    for (std::int32_t i = 0; i < decomposition.length();) {
      const UChar32 part = decomposition.char32At(i);
      out.push_back(static_cast<char32_t>(part));
      i += U16_LENGTH(part);
    }
  }
  for (std::size_t begin = 0; begin < out.size();) {
    if (text::hf_unicode::combining_class(out[begin]) == 0) {
      ++begin;
      continue;
    }
    std::size_t end = begin + 1;
    while (end < out.size() && text::hf_unicode::combining_class(out[end]) != 0) ++end;
    if (end - begin > 1) {
      std::stable_sort(out.begin() + begin, out.begin() + end, [](char32_t a, char32_t b) {
        return text::hf_unicode::combining_class(a) < text::hf_unicode::combining_class(b);
      });
    }
    begin = end;
  }
  return out;
}

// ---- 2. BertNormalizer ----------------------------------------------------------
// In tokenizers' order: clean text (drop NUL, U+FFFD and controls; any
// whitespace becomes ' '), put spaces around CJK ideographs, strip accents
// (NFD, then drop nonspacing marks), lowercase. Accents go before lowercase, so
// U+0130 İ ends as "i", and U+212A KELVIN SIGN as "k" (NFD makes it 'K').

// The common case, all ASCII: nothing decomposes, no marks, ASCII lowercase.
void normalize_ascii(std::string_view text, std::string& out) {
  const auto& flags = ascii_flags();
  out.clear();
  out.reserve(text.size());
  for (const char byte : text) {
    const auto c = static_cast<unsigned char>(byte);
    if (flags[c] & kDropped) continue;
    if (flags[c] & kSpace) {
      out.push_back(' ');
    } else {
      out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : byte);
    }
  }
}

void normalize_unicode(std::string_view text, std::string& out) {
  std::u32string cleaned;
  cleaned.reserve(text.size());
  for (const char32_t c : utf8::decode(text)) {
    if (c == 0 || c == 0xFFFD || text::hf_unicode::is_control(c)) continue;
    if (text::hf_unicode::is_whitespace(c)) {
      cleaned.push_back(' ');
    } else if (text::hf_unicode::is_chinese_char(c)) {
      cleaned.append({U' ', c, U' '});
    } else {
      cleaned.push_back(c);
    }
  }
  std::u32string lowered;
  lowered.reserve(cleaned.size());
  char32_t lower[text::hf_unicode::kMaxLowercaseLength];
  for (const char32_t c : nfd_unicode_9(cleaned)) {
    if (!text::hf_unicode::is_nonspacing_mark(c)) lowered.append(lower, text::hf_unicode::to_lowercase(c, lower));
  }
  out = utf8::encode(lowered);
}

}  // namespace

void normalize_into(std::string_view text, std::string& out) {
  const bool ascii = std::all_of(text.begin(), text.end(),
                                 [](char byte) { return static_cast<unsigned char>(byte) < 0x80; });
  if (ascii) {
    normalize_ascii(text, out);
  } else {
    normalize_unicode(text, out);
  }
}

// ---- 3. BertPreTokenizer: next_code_point and for_each_word are in the header.

}  // namespace detail

// ---- the stages on their own ---------------------------------------------------------

namespace bert {

std::string normalize_uncased(std::string_view text) {
  std::string out;
  detail::normalize_into(text, out);
  return out;
}

std::vector<std::string> pre_tokenize(std::string_view text) {
  // The pre-tokenizer works on valid UTF-8; make it so as tokenize() does.
  const std::string valid = utf8::is_valid(text) ? std::string(text) : utf8::encode(utf8::decode(text));
  std::vector<std::string> words;
  detail::for_each_word(valid, [&](std::string_view word) { words.emplace_back(word); });
  return words;
}

}  // namespace bert
}  // namespace icma::tokenizer
