#pragma once
// Character facts as Hugging Face `tokenizers` sees them. tokenizers takes
// them from crates frozen at different Unicode versions, so they differ from
// today's Unicode (and from ICU) for characters assigned or recategorised
// since; these reproduce tokenizers exactly (src/text/hf_unicode.cpp says
// which version each comes from). Shared by the BERT stages in the text module
// and the tokenizer.json normalizers and pre-tokenizers in the llm module.

#include <cstddef>
#include <cstdint>

namespace icma::text::hf_unicode {

// Whether `c` was assigned in Unicode `major`.`minor` or earlier (its age);
// false for code points still unassigned.
bool assigned_by(char32_t c, int major, int minor);

// Rust's char::is_whitespace: the White_Space property.
bool is_whitespace(char32_t c);

// BertPreTokenizer's `is_bert_punc` (also the Punctuation pre-tokenizer's):
// ASCII punctuation, or a P* category in Unicode 8.0.
bool is_punctuation(char32_t c);

// BertNormalizer's `is_control`: Cc, Cf or Co in Unicode 8.0, except \t \n \r.
bool is_control(char32_t c);

// BertNormalizer's `is_chinese_char`: the CJK ideograph blocks.
bool is_chinese_char(char32_t c);

// Nonspacing mark (Mn) in Unicode 8.0, what StripAccents removes.
bool is_nonspacing_mark(char32_t c);

// Canonical combining class as the Unicode 9.0 normalisation tables have it
// (0 for characters assigned later).
std::uint8_t combining_class(char32_t c);

// Rust's char::to_lowercase (full, context-free mapping): writes the
// lowercase of `c` to `out` and returns how many code points it wrote.
inline constexpr std::size_t kMaxLowercaseLength = 3;
std::size_t to_lowercase(char32_t c, char32_t (&out)[kMaxLowercaseLength]);

}  // namespace icma::text::hf_unicode
