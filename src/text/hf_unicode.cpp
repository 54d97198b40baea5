// Character facts as Hugging Face `tokenizers` sees them (hf_unicode.hpp).
//
// tokenizers takes its character facts from three places, each frozen at its
// own Unicode version; ICU (whatever version) plus each character's Unicode
// age reproduces all three:
//  - general categories (control, punctuation, nonspacing mark) come from the
//    `unicode_categories` 0.1.1 crate, whose tables are Unicode 8.0: a
//    character assigned later is in none of its categories;
//  - NFD comes from `unicode-normalization-alignments`, whose tables are
//    Unicode 9.0: later characters neither decompose nor get reordered;
//  - whitespace and lowercase come from Rust's std (Unicode 17 in the 0.23.2
//    build; ICU 72 knows Unicode 15, see kLowercaseAfterIcu72).
// tests/tokenizer/wordpiece_test.cpp checks every code point against tokenizers.

#include "icma/text/hf_unicode.hpp"

#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include <array>
#include <cstdint>

namespace icma::text::hf_unicode {
namespace {

// The general category that unicode_categories' Unicode 8.0 tables give.
UCharCategory category_in_unicode_8(char32_t c) {
  // These changed category after 8.0 in ways that matter to BERT; ICU knows
  // only their current category.
  switch (c) {
    case 0x166D:   // CANADIAN SYLLABICS CHI SIGN, now So
    case 0x111C9:  // SHARADA SANDHI MARK, now Mn
      return U_OTHER_PUNCTUATION;
    case 0x1734:  // HANUNOO SIGN PAMUDPOD, now Mc
      return U_NON_SPACING_MARK;
    case 0x1885:  // MONGOLIAN LETTER ALI GALI BALUDA, now Mn
    case 0x1886:  // MONGOLIAN LETTER ALI GALI THREE BALUDA, now Mn
      return U_OTHER_LETTER;
    case 0xA9BD:  // JAVANESE CONSONANT SIGN KERET, now Mn
      return U_COMBINING_SPACING_MARK;
    default:
      break;
  }
  if (!assigned_by(c, 8, 0)) return U_UNASSIGNED;
  return static_cast<UCharCategory>(u_charType(static_cast<UChar32>(c)));
}

// Case pairs added in Unicode 16 and 17: Rust's std lowercases them, ICU 72
// (Unicode 15) does not know them yet. Each entry maps [first, last] to c + delta.
struct LowercaseRange {
  char32_t first, last;
  std::int32_t delta;
};
constexpr std::array<LowercaseRange, 10> kLowercaseAfterIcu72 = {{
    {0x1C89, 0x1C89, 1},                  // CYRILLIC CAPITAL LETTER TJE
    {0xA7CB, 0xA7CB, 0x0264 - 0xA7CB},    // LATIN CAPITAL LETTER RAMS HORN
    {0xA7CC, 0xA7CC, 1},                  // LATIN CAPITAL LETTER S WITH DIAGONAL STROKE
    {0xA7CE, 0xA7CE, 1},                  // LATIN CAPITAL LETTER PHARYNGEAL VOICED FRICATIVE
    {0xA7D2, 0xA7D2, 1},                  // LATIN CAPITAL LETTER DOUBLE THORN
    {0xA7D4, 0xA7D4, 1},                  // LATIN CAPITAL LETTER DOUBLE WYNN
    {0xA7DA, 0xA7DA, 1},                  // LATIN CAPITAL LETTER LAMBDA
    {0xA7DC, 0xA7DC, 0x019B - 0xA7DC},    // LATIN CAPITAL LETTER LAMBDA WITH STROKE
    {0x10D50, 0x10D65, 0x20},             // GARAY CAPITAL LETTERS
    {0x16EA0, 0x16EB8, 0x1B},             // BERIA ERFE CAPITAL LETTERS
}};

}  // namespace

bool assigned_by(char32_t c, int major, int minor) {
  UVersionInfo age;
  u_charAge(static_cast<UChar32>(c), age);
  if (age[0] == 0) return false;  // ICU gives unassigned code points age 0.0
  return age[0] < major || (age[0] == major && age[1] <= minor);
}

// Rust's char::is_whitespace is the White_Space property: \t..\r, space,
// U+0085, NBSP and the other Zs, U+2028, U+2029 (not U+001C..U+001F, not
// U+200B). BERT adds \t \n \r, which are already in it.
bool is_whitespace(char32_t c) { return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE); }

// BertPreTokenizer's `is_bert_punc`: ASCII punctuation (so also the symbols
// $ + < = > ^ ` | ~) or any Unicode 8.0 P* category.
bool is_punctuation(char32_t c) {
  if (c < 0x80) {
    return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
           (c >= 0x7B && c <= 0x7E);
  }
  switch (category_in_unicode_8(c)) {
    case U_CONNECTOR_PUNCTUATION:
    case U_DASH_PUNCTUATION:
    case U_START_PUNCTUATION:
    case U_END_PUNCTUATION:
    case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION:
    case U_OTHER_PUNCTUATION:
      return true;
    default:
      return false;
  }
}

// tokenizers' bert `is_control`: unicode_categories' is_other(), which is
// Cc, Cf or Co (neither Cn nor Cs), except \t \n \r, which count as
// whitespace. So U+0085 (Cc and White_Space) is removed, not made a space.
bool is_control(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  const UCharCategory category = category_in_unicode_8(c);
  return category == U_CONTROL_CHAR || category == U_FORMAT_CHAR || category == U_PRIVATE_USE_CHAR;
}

// tokenizers' bert `is_chinese_char`: the CJK ideograph blocks, nothing else
// (not kana, not Hangul, not CJK punctuation).
bool is_chinese_char(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

bool is_nonspacing_mark(char32_t c) { return category_in_unicode_8(c) == U_NON_SPACING_MARK; }

// Canonical combining class as the Unicode 9.0 normalisation tables have it.
std::uint8_t combining_class(char32_t c) {
  if (c < 0x300 || !assigned_by(c, 9, 0)) return 0;
  return u_getCombiningClass(static_cast<UChar32>(c));
}

// Rust's char::to_lowercase: the full, context-free lowercase mapping, so
// U+0130 becomes "i\u0307" and Σ always becomes σ. ICU's u_strToLower on the
// character alone gives exactly that: the root locale's only contextual rule
// (Final_Sigma) needs a preceding letter.
std::size_t to_lowercase(char32_t c, char32_t (&out)[kMaxLowercaseLength]) {
  if (c < 0x80) {
    out[0] = c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
    return 1;
  }
  for (const LowercaseRange& range : kLowercaseAfterIcu72) {
    if (c >= range.first && c <= range.last) {
      out[0] = static_cast<char32_t>(static_cast<std::int32_t>(c) + range.delta);
      return 1;
    }
  }
  UChar source[2];
  std::int32_t source_length = 0;
  U16_APPEND_UNSAFE(source, source_length, static_cast<UChar32>(c));
  UChar lowered[8];  // full lowercase mappings are at most 3 code points
  UErrorCode status = U_ZERO_ERROR;
  const std::int32_t length = u_strToLower(lowered, 8, source, source_length, "", &status);
  if (U_FAILURE(status)) {
    out[0] = c;
    return 1;
  }
  std::size_t count = 0;
  for (std::int32_t i = 0; i < length && count < kMaxLowercaseLength;) {
    UChar32 lowered_c;
    U16_NEXT(lowered, i, length, lowered_c);
    out[count++] = static_cast<char32_t>(lowered_c);
  }
  return count;
}

}  // namespace icma::text::hf_unicode
