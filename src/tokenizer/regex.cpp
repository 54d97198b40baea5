#include "regex.hpp"

#include <oniguruma.h>

#include <mutex>

#include "icma/core/error.hpp"

namespace icma::tokenizer::detail {

namespace {

void initialize_oniguruma() {
  static std::once_flag once;
  std::call_once(once, [] {
    OnigEncoding encodings[] = {ONIG_ENCODING_UTF8};
    onig_initialize(encodings, 1);
  });
}

}  // namespace

std::size_t utf8_char_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

char32_t next_code_point(std::string_view text, std::size_t& at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  std::size_t length = utf8_char_length(lead);
  if (at + length > text.size()) length = 1;
  char32_t cp = 0;
  switch (length) {
    case 1: cp = lead; break;
    case 2: cp = lead & 0x1F; break;
    case 3: cp = lead & 0x0F; break;
    default: cp = lead & 0x07; break;
  }
  for (std::size_t i = 1; i < length; ++i) cp = (cp << 6) | (static_cast<unsigned char>(text[at + i]) & 0x3F);
  at += length;
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

struct Regex::Impl {
  regex_t* regex = nullptr;
  ~Impl() {
    if (regex != nullptr) onig_free(regex);
  }
};

Regex::Regex(std::string_view pattern, const std::string& what) {
  initialize_oniguruma();
  auto impl = std::make_shared<Impl>();
  OnigErrorInfo info;
  const auto* begin = reinterpret_cast<const OnigUChar*>(pattern.data());
  const int status = onig_new(&impl->regex, begin, begin + pattern.size(), ONIG_OPTION_NONE,
                              ONIG_ENCODING_UTF8, ONIG_SYNTAX_RUBY, &info);
  if (status != ONIG_NORMAL) {
    impl->regex = nullptr;
    OnigUChar message[ONIG_MAX_ERROR_MESSAGE_LEN];
    onig_error_code_to_str(message, status, &info);
    throw InputError(what + ": bad regex \"" + std::string(pattern) + "\": " +
                     reinterpret_cast<const char*>(message));
  }
  impl_ = std::move(impl);
}

Regex Regex::literal(std::string_view text, const std::string& what) { return Regex(regex_escape(text), what); }

std::vector<ByteRange> Regex::find_all(std::string_view text) const {
  std::vector<ByteRange> matches;
  OnigRegion* region = onig_region_new();
  const auto* str = reinterpret_cast<const OnigUChar*>(text.data());
  const OnigUChar* end = str + text.size();
  std::size_t last_end = 0;
  bool have_last_match = false;
  std::size_t last_match_end = 0;
  while (last_end <= text.size()) {
    onig_region_clear(region);
    const int status = onig_search(impl_->regex, str, end, str + last_end, end, region, ONIG_OPTION_NONE);
    if (status < 0) break;  // ONIG_MISMATCH or an error: no more matches
    const auto begin_at = static_cast<std::size_t>(region->beg[0]);
    const auto end_at = static_cast<std::size_t>(region->end[0]);
    if (begin_at == end_at && have_last_match && last_match_end == end_at) {
      last_end += last_end < text.size() ? utf8_char_length(static_cast<unsigned char>(text[last_end])) : 1;
      continue;
    }
    last_end = end_at;
    have_last_match = true;
    last_match_end = end_at;
    matches.emplace_back(begin_at, end_at);
  }
  onig_region_free(region, 1);
  return matches;
}

std::vector<std::pair<ByteRange, bool>> Regex::find_matches(std::string_view text) const {
  std::vector<std::pair<ByteRange, bool>> pieces;
  if (text.empty()) {
    pieces.push_back({{0, 0}, false});
    return pieces;
  }
  std::size_t previous = 0;
  for (const auto& [begin, end] : find_all(text)) {
    if (previous != begin) pieces.push_back({{previous, begin}, false});
    pieces.push_back({{begin, end}, true});
    previous = end;
  }
  if (previous != text.size()) pieces.push_back({{previous, text.size()}, false});
  return pieces;
}

std::string regex_escape(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size() * 2);
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool punctuation = (u >= 0x21 && u <= 0x2F) || (u >= 0x3A && u <= 0x40) || (u >= 0x5B && u <= 0x60) ||
                             (u >= 0x7B && u <= 0x7E);
    if (punctuation) escaped += '\\';
    escaped += c;
  }
  return escaped;
}

}  // namespace icma::tokenizer::detail
