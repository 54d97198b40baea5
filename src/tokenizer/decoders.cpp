// The decoders of a tokenizer.json, as Hugging Face tokenizers implements
// their decode_chain (decoders/*.rs, pre_tokenizers/{byte_level,metaspace}.rs,
// normalizers/replace.rs), re-written here. Each takes the list of tokens and
// gives a list of pieces that the caller concatenates.

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "icma/core/error.hpp"
#include "byte_level.hpp"
#include "json_fields.hpp"
#include "pipeline.hpp"
#include "regex.hpp"

namespace icma::tokenizer::detail {
namespace {

using nlohmann::json;

const json* field(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string string_field(const json& object, const char* key, const std::string& where, const char* fallback) {
  const json* value = field(object, key);
  if (value == nullptr) {
    if (fallback == nullptr) fail(where + "." + key, "missing");
    return fallback;
  }
  if (!value->is_string()) fail(where + "." + key, "must be a string");
  return value->get<std::string>();
}

std::size_t size_field(const json& object, const char* key, const std::string& where, std::size_t fallback) {
  const json* value = field(object, key);
  if (value == nullptr) return fallback;
  if (!value->is_number_integer() || value->get<std::int64_t>() < 0) fail(where + "." + key, "must be an unsigned integer");
  return value->get<std::size_t>();
}

// One character (HF's `char` fields), as UTF-8.
std::string char_field(const json& object, const char* key, const std::string& where, const char* fallback) {
  std::string value = string_field(object, key, where, fallback);
  std::size_t at = 0;
  if (value.empty()) fail(where + "." + key, "must be one character");
  next_code_point(value, at);
  if (at != value.size()) fail(where + "." + key, "must be one character");
  return value;
}

// Rust's String::from_utf8_lossy: each maximal invalid subpart becomes U+FFFD.
std::string utf8_lossy(std::string_view bytes) {
  static const char kReplacement[] = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(bytes.size());
  std::size_t i = 0;
  const std::size_t n = bytes.size();
  while (i < n) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    if (b < 0x80) {
      out.push_back(static_cast<char>(b));
      ++i;
      continue;
    }
    std::size_t need = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      need = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      need = 2;
      if (b == 0xE0) low = 0xA0;
      if (b == 0xED) high = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      need = 3;
      if (b == 0xF0) low = 0x90;
      if (b == 0xF4) high = 0x8F;
    } else {
      out += kReplacement;
      ++i;
      continue;
    }
    std::size_t k = 1;
    bool ok = true;
    for (; k <= need; ++k) {
      if (i + k >= n) {
        ok = false;
        break;
      }
      const auto c = static_cast<unsigned char>(bytes[i + k]);
      const unsigned char lo = k == 1 ? low : 0x80;
      const unsigned char hi = k == 1 ? high : 0xBF;
      if (c < lo || c > hi) {
        ok = false;
        break;
      }
    }
    if (ok) {
      out.append(bytes.data() + i, need + 1);
      i += need + 1;
    } else {
      out += kReplacement;
      i += k;  // the valid prefix (at least the lead byte) is one error
    }
  }
  return out;
}

bool valid_utf8(std::string_view bytes) { return utf8_lossy(bytes) == bytes; }

// ---- ByteLevel ------------------------------------------------------------------

// GPT-2's bytes_to_unicode, inverted: code point -> byte (-1: not in the map).
class CharBytes {
 public:
  CharBytes() {
    for (auto& b : table_) b = -1;
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      const int cp = is_printable_byte(b) ? b : 256 + n++;
      table_[cp] = static_cast<std::int16_t>(b);
    }
  }
  int byte(char32_t cp) const { return cp < table_.size() ? table_[cp] : -1; }

 private:
  std::array<std::int16_t, 324> table_{};
};

class ByteLevelDecoder final : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    static const CharBytes char_bytes;
    std::string bytes;
    for (const std::string& token : tokens) {
      const std::size_t start = bytes.size();
      bool all = true;
      for (std::size_t at = 0; at < token.size();) {
        const int b = char_bytes.byte(next_code_point(token, at));
        if (b < 0) {
          all = false;
          break;
        }
        bytes.push_back(static_cast<char>(b));
      }
      if (!all) {
        bytes.resize(start);
        bytes += token;
      }
    }
    return {utf8_lossy(bytes)};
  }
};

// ---- Metaspace ------------------------------------------------------------------

class MetaspaceDecoder final : public Decoder {
 public:
  MetaspaceDecoder(const json& object, const std::string& where) {
    replacement_ = char_field(object, "replacement", where, nullptr);
    // As HF: prepend_scheme defaults to "always"; the older add_prefix_space
    // may only say false beside prepend_scheme "never" (else HF refuses).
    bool prepend = true;
    if (const json* scheme = field(object, "prepend_scheme")) {
      if (!scheme->is_string()) fail(where + ".prepend_scheme", "must be a string");
      const auto& s = scheme->get_ref<const std::string&>();
      if (s == "never") {
        prepend = false;
      } else if (s != "always" && s != "first") {
        fail(where + ".prepend_scheme", "must be \"always\", \"never\" or \"first\"");
      }
    }
    if (!bool_field(object, "add_prefix_space", where, true) && prepend) {
      fail(where + ".add_prefix_space", "false does not match prepend_scheme (must be \"never\")");
    }
    strip_first_ = prepend;
  }

  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      std::string& token = tokens[i];
      std::string out;
      out.reserve(token.size());
      std::size_t at = 0;
      while (at < token.size()) {
        if (token.compare(at, replacement_.size(), replacement_) == 0) {
          if (!(i == 0 && strip_first_)) out.push_back(' ');
          at += replacement_.size();
        } else {
          out.push_back(token[at++]);
        }
      }
      token = std::move(out);
    }
    return tokens;
  }

 private:
  std::string replacement_;
  bool strip_first_ = true;
};

// ---- ByteFallback ---------------------------------------------------------------

class ByteFallbackDecoder final : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::vector<std::string> out;
    out.reserve(tokens.size());
    std::string pending;
    const auto flush = [&] {
      if (pending.empty()) return;
      if (valid_utf8(pending)) {
        out.push_back(pending);
      } else {
        for (std::size_t k = 0; k < pending.size(); ++k) out.emplace_back("\xEF\xBF\xBD");
      }
      pending.clear();
    };
    for (std::string& token : tokens) {
      int byte = -1;
      if (token.size() == 6 && token.compare(0, 3, "<0x") == 0 && token[5] == '>') byte = parse_hex(token[3], token[4]);
      if (byte >= 0) {
        pending.push_back(static_cast<char>(byte));
      } else {
        flush();
        out.push_back(std::move(token));
      }
    }
    flush();
    return out;
  }

 private:
  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  // u8::from_str_radix(s, 16) on two characters: also accepts a leading '+'.
  static int parse_hex(char a, char b) {
    const int low = hex_digit(b);
    if (low < 0) return -1;
    if (a == '+') return low;
    const int high = hex_digit(a);
    return high < 0 ? -1 : high * 16 + low;
  }
};

// ---- Fuse, Strip, Replace -------------------------------------------------------

class FuseDecoder final : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::string all;
    for (const auto& token : tokens) all += token;
    return {all};
  }
};

class StripDecoder final : public Decoder {
 public:
  StripDecoder(const json& object, const std::string& where)
      : content_(char_field(object, "content", where, nullptr)),
        start_(size_field(object, "start", where, 0)),
        stop_(size_field(object, "stop", where, 0)) {}

  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (std::string& token : tokens) {
      // Character boundaries of the token.
      std::vector<std::size_t> bounds;
      for (std::size_t at = 0; at < token.size();) {
        bounds.push_back(at);
        next_code_point(token, at);
      }
      const std::size_t count = bounds.size();
      bounds.push_back(token.size());
      const auto is_content = [&](std::size_t k) {
        return bounds[k + 1] - bounds[k] == content_.size() && token.compare(bounds[k], content_.size(), content_) == 0;
      };
      std::size_t start_cut = 0;
      for (std::size_t k = 0; k < count && k < start_; ++k) {
        if (!is_content(k)) break;
        start_cut = k + 1;
      }
      std::size_t stop_cut = count;
      for (std::size_t k = 0; k < std::min(stop_, count - start_cut); ++k) {
        const std::size_t index = count - k - 1;
        if (!is_content(index)) break;
        stop_cut = index;
      }
      token = token.substr(bounds[start_cut], bounds[stop_cut] - bounds[start_cut]);
    }
    return tokens;
  }

 private:
  std::string content_;
  std::size_t start_;
  std::size_t stop_;
};

class ReplaceDecoder final : public Decoder {
 public:
  ReplaceDecoder(const json& object, const std::string& where)
      : pattern_(pattern_field(object, where)), content_(string_field(object, "content", where, nullptr)) {}

  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (std::string& token : tokens) {
      std::string out;
      for (const auto& [range, is_match] : pattern_.find_matches(token)) {
        if (is_match) {
          out += content_;
        } else {
          out.append(token, range.first, range.second - range.first);
        }
      }
      token = std::move(out);
    }
    return tokens;
  }

 private:
  Regex pattern_;
  std::string content_;
};

// ---- WordPiece, BPEDecoder, CTC -------------------------------------------------

// HF's wordpiece::cleanup: fixed replacements, in order.
std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  std::string out;
  std::size_t last = 0;
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, last)) {
    out.append(text, last, at - last);
    out += to;
    last = at + from.size();
  }
  if (last == 0) return text;
  out.append(text, last, std::string::npos);
  return out;
}

std::string cleanup(std::string text) {
  static const std::pair<const char*, const char*> kRules[] = {
      {" .", "."},     {" ?", "?"},           {" !", "!"},     {" ,", ","},     {" ' ", "'"},    {" n't", "n't"},
      {" 'm", "'m"},   {" do not", " don't"}, {" 's", "'s"},   {" 've", "'ve"}, {" 're", "'re"},
  };
  for (const auto& [from, to] : kRules) text = replace_all(std::move(text), from, to);
  return text;
}

class WordPieceDecoder final : public Decoder {
 public:
  WordPieceDecoder(const json& object, const std::string& where)
      : prefix_(string_field(object, "prefix", where, "##")), cleanup_(bool_field(object, "cleanup", where, true)) {}

  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      std::string& token = tokens[i];
      if (i != 0) {
        if (token.compare(0, prefix_.size(), prefix_) == 0) {
          token.erase(0, prefix_.size());  // replacen(prefix, "", 1) on a token that starts with it
        } else {
          token.insert(0, 1, ' ');
        }
      }
      if (cleanup_) token = cleanup(std::move(token));
    }
    return tokens;
  }

 private:
  std::string prefix_;
  bool cleanup_;
};

class BpeDecoder final : public Decoder {
 public:
  BpeDecoder(const json& object, const std::string& where) : suffix_(string_field(object, "suffix", where, "</w>")) {}

  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    if (suffix_.empty()) return tokens;  // Rust's replace("") would interleave; no real file has it
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      tokens[i] = replace_all(std::move(tokens[i]), suffix_, i + 1 == tokens.size() ? "" : " ");
    }
    return tokens;
  }

 private:
  std::string suffix_;
};

class CtcDecoder final : public Decoder {
 public:
  CtcDecoder(const json& object, const std::string& where)
      : pad_(string_field(object, "pad_token", where, "<pad>")),
        delimiter_(string_field(object, "word_delimiter_token", where, "|")),
        cleanup_(bool_field(object, "cleanup", where, true)) {}

  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (i > 0 && tokens[i] == tokens[i - 1]) continue;  // dedup
      std::string replaced = pad_.empty() ? tokens[i] : replace_all(tokens[i], pad_, "");
      if (cleanup_) {
        replaced = cleanup(std::move(replaced));
        if (!delimiter_.empty()) replaced = replace_all(std::move(replaced), delimiter_, " ");
      }
      if (!replaced.empty()) out.push_back(std::move(replaced));
    }
    return out;
  }

 private:
  std::string pad_;
  std::string delimiter_;
  bool cleanup_;
};

class SequenceDecoder final : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> decoders) : decoders_(std::move(decoders)) {}

  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (const auto& decoder : decoders_) tokens = decoder->decode_chain(std::move(tokens));
    return tokens;
  }

 private:
  std::vector<std::unique_ptr<Decoder>> decoders_;
};

}  // namespace

std::unique_ptr<Decoder> make_decoder(const json& object, const std::string& where) {
  if (object.is_null()) return nullptr;
  if (!object.is_object()) fail(where, "must be an object");
  const json* type_field = field(object, "type");
  if (type_field == nullptr || !type_field->is_string()) fail(where + ".type", "missing or not a string");
  const std::string& type = type_field->get_ref<const std::string&>();
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "Metaspace") return std::make_unique<MetaspaceDecoder>(object, where);
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip") return std::make_unique<StripDecoder>(object, where);
  if (type == "Replace") return std::make_unique<ReplaceDecoder>(object, where);
  if (type == "WordPiece") return std::make_unique<WordPieceDecoder>(object, where);
  if (type == "BPEDecoder") return std::make_unique<BpeDecoder>(object, where);
  if (type == "CTC") return std::make_unique<CtcDecoder>(object, where);
  if (type == "Sequence") {
    const json* list = field(object, "decoders");
    if (list == nullptr || !list->is_array()) fail(where + ".decoders", "must be an array");
    std::vector<std::unique_ptr<Decoder>> decoders;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string at = where + ".decoders[" + std::to_string(i) + "]";
      auto decoder = make_decoder((*list)[i], at);
      if (!decoder) fail(at, "must be a decoder object");
      decoders.push_back(std::move(decoder));
    }
    return std::make_unique<SequenceDecoder>(std::move(decoders));
  }
  fail(where + ".type", "unknown decoder type \"" + type + "\"");
}

}  // namespace icma::tokenizer::detail
