// BERT WordPiece tokenisation, reproducing Hugging Face `tokenizers` (see
// include/icma/text/wordpiece.hpp). The file follows the reference pipeline:
//   1. character facts, with the Unicode versions tokenizers really uses
//   2. BertNormalizer
//   3. BertPreTokenizer
//   4. WordPiece over a byte trie of the vocabulary
//   5. special tokens and truncation
//   6. loading vocab.txt

#include "icma/text/wordpiece.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <utility>

#include "icma/core/error.hpp"
#include "icma/core/utf8.hpp"

namespace icma::text {
namespace {

constexpr std::string_view kUnknownToken = "[UNK]";
constexpr std::string_view kContinuationPrefix = "##";
constexpr std::size_t kMaxInputCharsPerWord = 100;

// BertTokenizerFast registers these as special added tokens: they are cut out
// of the raw text before normalisation. MolT5's script then drops the ones in
// kDroppedSpecialTokens from the result.
constexpr std::array<std::string_view, 5> kSpecialTokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]",
                                                            "[MASK]"};
constexpr std::array<std::string_view, 3> kDroppedSpecialTokens = {"[PAD]", "[CLS]", "[SEP]"};

// ---- 1. character facts ---------------------------------------------------------
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
// tests/text/wordpiece_test.cpp checks every code point against tokenizers.

bool assigned_by(char32_t c, int major, int minor) {
  UVersionInfo age;
  u_charAge(static_cast<UChar32>(c), age);
  if (age[0] == 0) return false;  // ICU gives unassigned code points age 0.0
  return age[0] < major || (age[0] == major && age[1] <= minor);
}

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

// tokenizers' bert `is_control`: unicode_categories' is_other(), which is
// Cc, Cf or Co (neither Cn nor Cs), except \t \n \r, which count as
// whitespace. So U+0085 (Cc and White_Space) is removed, not made a space.
bool is_bert_control(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return false;
  const UCharCategory category = category_in_unicode_8(c);
  return category == U_CONTROL_CHAR || category == U_FORMAT_CHAR || category == U_PRIVATE_USE_CHAR;
}

// Rust's char::is_whitespace is the White_Space property: \t..\r, space,
// U+0085, NBSP and the other Zs, U+2028, U+2029 (not U+001C..U+001F, not
// U+200B). BERT adds \t \n \r, which are already in it.
bool is_whitespace(char32_t c) { return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE); }

// tokenizers' bert `is_chinese_char`: the CJK ideograph blocks, nothing else
// (not kana, not Hangul, not CJK punctuation).
bool is_chinese_char(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

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

bool is_nonspacing_mark(char32_t c) { return category_in_unicode_8(c) == U_NON_SPACING_MARK; }

// Canonical combining class as the Unicode 9.0 normalisation tables have it.
std::uint8_t combining_class(char32_t c) {
  if (c < 0x300 || !assigned_by(c, 9, 0)) return 0;
  return u_getCombiningClass(static_cast<UChar32>(c));
}

// Per-character facts for ASCII, computed once from the functions above, so
// that the common case costs one table lookup.
enum AsciiFlag : std::uint8_t { kDropped = 1, kSpace = 2, kPunctuation = 4 };

const std::array<std::uint8_t, 128>& ascii_flags() {
  static const std::array<std::uint8_t, 128> table = [] {
    std::array<std::uint8_t, 128> flags{};
    for (char32_t c = 0; c < 128; ++c) {
      if (c == 0 || is_bert_control(c)) flags[c] |= kDropped;
      if (is_whitespace(c)) flags[c] |= kSpace;
      if (is_punctuation(c)) flags[c] |= kPunctuation;
    }
    return flags;
  }();
  return table;
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

// Rust's char::to_lowercase: the full, context-free lowercase mapping, so
// U+0130 becomes "i\u0307" and Σ always becomes σ. ICU's u_strToLower on the
// character alone gives exactly that: the root locale's only contextual rule
// (Final_Sigma) needs a preceding letter.
void append_lowercase(std::u32string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    return;
  }
  for (const LowercaseRange& range : kLowercaseAfterIcu72) {
    if (c >= range.first && c <= range.last) {
      out.push_back(static_cast<char32_t>(static_cast<std::int32_t>(c) + range.delta));
      return;
    }
  }
  UChar source[2];
  std::int32_t source_length = 0;
  U16_APPEND_UNSAFE(source, source_length, static_cast<UChar32>(c));
  UChar lowered[8];  // full lowercase mappings are at most 3 code units
  UErrorCode status = U_ZERO_ERROR;
  const std::int32_t length = u_strToLower(lowered, 8, source, source_length, "", &status);
  if (U_FAILURE(status)) {
    out.push_back(c);
    return;
  }
  for (std::int32_t i = 0; i < length;) {
    UChar32 lowered_c;
    U16_NEXT(lowered, i, length, lowered_c);
    out.push_back(static_cast<char32_t>(lowered_c));
  }
}

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
    if (c < 0xC0 || !assigned_by(c, 9, 0) ||
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
    if (combining_class(out[begin]) == 0) {
      ++begin;
      continue;
    }
    std::size_t end = begin + 1;
    while (end < out.size() && combining_class(out[end]) != 0) ++end;
    if (end - begin > 1) {
      std::stable_sort(out.begin() + begin, out.begin() + end, [](char32_t a, char32_t b) {
        return combining_class(a) < combining_class(b);
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
    if (c == 0 || c == 0xFFFD || is_bert_control(c)) continue;
    if (is_whitespace(c)) {
      cleaned.push_back(' ');
    } else if (is_chinese_char(c)) {
      cleaned.append({U' ', c, U' '});
    } else {
      cleaned.push_back(c);
    }
  }
  std::u32string lowered;
  lowered.reserve(cleaned.size());
  for (const char32_t c : nfd_unicode_9(cleaned)) {
    if (!is_nonspacing_mark(c)) append_lowercase(lowered, c);
  }
  out = utf8::encode(lowered);
}

void normalize_into(std::string_view text, std::string& out) {
  const bool ascii = std::all_of(text.begin(), text.end(),
                                 [](char byte) { return static_cast<unsigned char>(byte) < 0x80; });
  if (ascii) {
    normalize_ascii(text, out);
  } else {
    normalize_unicode(text, out);
  }
}

// ---- 3. BertPreTokenizer --------------------------------------------------------
// Splits at whitespace (dropped), then isolates each punctuation character as
// a word of its own. Calls on_word(std::string_view) for each word, in order.

// Decodes the code point at `pos` of valid UTF-8 and advances `pos` past it.
char32_t next_code_point(std::string_view text, std::size_t& pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  char32_t c = length == 1 ? lead : length == 2 ? (lead & 0x1F) : length == 3 ? (lead & 0x0F) : (lead & 0x07);
  for (std::size_t i = 1; i < length; ++i) {
    c = (c << 6) | (static_cast<unsigned char>(text[pos + i]) & 0x3F);
  }
  pos += length;
  return c;
}

template <typename OnWord>
void for_each_word(std::string_view text, OnWord&& on_word) {
  const auto& flags = ascii_flags();
  std::size_t word_begin = std::string_view::npos;
  auto end_word = [&](std::size_t at) {
    if (word_begin != std::string_view::npos) on_word(text.substr(word_begin, at - word_begin));
    word_begin = std::string_view::npos;
  };
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t char_begin = pos;
    const char32_t c = next_code_point(text, pos);
    const bool space = c < 0x80 ? (flags[c] & kSpace) != 0 : is_whitespace(c);
    const bool punctuation = !space && (c < 0x80 ? (flags[c] & kPunctuation) != 0 : is_punctuation(c));
    if (space || punctuation) {
      end_word(char_begin);
      if (punctuation) on_word(text.substr(char_begin, pos - char_begin));
    } else if (word_begin == std::string_view::npos) {
      word_begin = char_begin;
    }
  }
  end_word(text.size());
}

// ---- 4. WordPiece -----------------------------------------------------------------
// tokenizers' WordPiece takes, from the start of the word, the longest
// vocabulary entry (trying the whole rest, then one character shorter, and so
// on), and from then on the longest entry of the form "##" + rest; a word it
// cannot cover, or longer than 100 characters, becomes a single [UNK]. A byte
// trie finds each longest entry in one walk instead of one lookup per length.

class ByteTrie {
 public:
  ByteTrie() : slots_(1024) {}

  // Adds `key`; returns false when it was already there.
  bool insert(std::string_view key) {
    if (key.empty()) return !std::exchange(root_is_key_end_, true);
    std::uint32_t node = 0;
    Slot* slot = nullptr;
    for (const char byte : key) {
      slot = &find_or_add(node, static_cast<unsigned char>(byte));
      node = slot->child >> 1;
    }
    const bool added = (slot->child & kKeyEnd) == 0;
    slot->child |= kKeyEnd;
    return added;
  }

  // Length in bytes of the longest non-empty key that is a prefix of `text`,
  // 0 when there is none (WordPiece never tries an empty piece).
  std::size_t longest_prefix(std::string_view text) const {
    std::uint32_t node = 0;
    std::size_t longest = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const Slot& slot = slots_[slot_index(edge_key(node, static_cast<unsigned char>(text[i])))];
      if (slot.edge == kEmpty) break;
      if (slot.child & kKeyEnd) longest = i + 1;
      node = slot.child >> 1;
    }
    return longest;
  }

 private:
  // Edges live in one open-addressing table keyed by (parent node, byte); a
  // slot holds the child node and whether a key ends there, so a step of the
  // walk touches one 8-byte slot.
  struct Slot {
    std::uint32_t edge = kEmpty;
    std::uint32_t child = 0;  // child node << 1 | kKeyEnd
  };
  static constexpr std::uint32_t kEmpty = ~std::uint32_t{0};
  static constexpr std::uint32_t kKeyEnd = 1;
  static constexpr std::uint32_t kMaxNodes = (1u << 24) - 1;  // node << 8 | byte never equals kEmpty

  static std::uint32_t edge_key(std::uint32_t node, unsigned char byte) { return (node << 8) | byte; }

  std::size_t slot_index(std::uint32_t edge) const {
    const std::size_t mask = slots_.size() - 1;
    std::size_t index = static_cast<std::size_t>((edge * 0x9E3779B97F4A7C15ull) >> 32) & mask;
    while (slots_[index].edge != edge && slots_[index].edge != kEmpty) index = (index + 1) & mask;
    return index;
  }

  Slot& find_or_add(std::uint32_t node, unsigned char byte) {
    const std::uint32_t edge = edge_key(node, byte);
    Slot* slot = &slots_[slot_index(edge)];
    if (slot->edge == edge) return *slot;
    if (2 * (node_count_ + 1) > slots_.size()) {  // keep the load factor under 1/2
      grow();
      slot = &slots_[slot_index(edge)];
    }
    if (node_count_ >= kMaxNodes) throw Error("WordPiece vocabulary too large");
    slot->edge = edge;
    slot->child = node_count_++ << 1;
    return *slot;
  }

  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& slot : old) {
      if (slot.edge != kEmpty) slots_[slot_index(slot.edge)] = slot;
    }
  }

  std::vector<Slot> slots_;
  std::uint32_t node_count_ = 1;  // node 0 is the root
  bool root_is_key_end_ = false;  // the empty key, which no walk reports
};

std::size_t count_code_points(std::string_view utf8_text) {
  return static_cast<std::size_t>(std::count_if(utf8_text.begin(), utf8_text.end(), [](char byte) {
    return (static_cast<unsigned char>(byte) & 0xC0) != 0x80;
  }));
}

}  // namespace

struct BertWordPieceTokenizer::Model {
  std::string source;
  std::size_t max_pieces = 512;
  std::size_t vocab_size = 0;
  ByteTrie word_start;    // every vocabulary entry
  ByteTrie continuation;  // entries starting with "##", without the "##"

  void append_word_pieces(std::string_view word, std::vector<std::string>& out) const {
    if (count_code_points(word) > kMaxInputCharsPerWord) {
      out.emplace_back(kUnknownToken);
      return;
    }
    const std::size_t first_piece = out.size();
    for (std::size_t pos = 0; pos < word.size();) {
      const ByteTrie& trie = pos == 0 ? word_start : continuation;
      const std::size_t length = trie.longest_prefix(word.substr(pos));
      if (length == 0) {
        out.resize(first_piece);
        out.emplace_back(kUnknownToken);
        return;
      }
      if (pos == 0) {
        out.emplace_back(word.substr(0, length));
      } else {
        std::string piece;
        piece.reserve(kContinuationPrefix.size() + length);
        piece.append(kContinuationPrefix).append(word.substr(pos, length));
        out.push_back(std::move(piece));
      }
      pos += length;
    }
  }
};

namespace {

// ---- 5. special tokens and truncation -----------------------------------------------
// tokenizers' added-vocabulary split: the leftmost, then longest, special
// token matching the raw text exactly (so "[cls]" is not one, and the spaces
// around a match stay with the neighbouring text).
std::size_t special_token_at(std::string_view text, std::size_t pos) {
  std::size_t longest = 0;
  for (const std::string_view token : kSpecialTokens) {
    if (token.size() > longest && text.compare(pos, token.size(), token) == 0) longest = token.size();
  }
  return longest;
}

bool is_dropped_special_token(std::string_view token) {
  return std::find(kDroppedSpecialTokens.begin(), kDroppedSpecialTokens.end(), token) !=
         kDroppedSpecialTokens.end();
}

}  // namespace

std::vector<std::string> BertWordPieceTokenizer::tokenize(std::string_view text) const {
  const Model& model = *model_;
  const std::size_t limit = model.max_pieces == 0 ? SIZE_MAX : model.max_pieces;
  // Truncation to max_pieces comes before MolT5's filter, so dropped special
  // tokens still count towards the limit.
  std::vector<std::string> pieces;
  pieces.reserve(std::min(limit, text.size() / 4 + 4));  // about one piece per 3.6 bytes of caption
  std::string normalized;
  auto add_text = [&](std::string_view segment) {
    if (segment.empty() || pieces.size() >= limit) return;
    normalize_into(segment, normalized);
    for_each_word(normalized, [&](std::string_view word) {
      if (pieces.size() < limit) model.append_word_pieces(word, pieces);
    });
  };
  std::size_t segment_begin = 0;
  for (std::size_t pos = text.find('['); pos != std::string_view::npos; pos = text.find('[', pos)) {
    const std::size_t length = special_token_at(text, pos);
    if (length == 0) {
      ++pos;
      continue;
    }
    add_text(text.substr(segment_begin, pos - segment_begin));
    if (pieces.size() < limit) pieces.emplace_back(text.substr(pos, length));
    pos += length;
    segment_begin = pos;
  }
  add_text(text.substr(segment_begin));
  if (pieces.size() > limit) pieces.resize(limit);
  pieces.erase(std::remove_if(pieces.begin(), pieces.end(),
                              [](const std::string& piece) { return is_dropped_special_token(piece); }),
               pieces.end());
  return pieces;
}

std::string BertWordPieceTokenizer::name() const { return "bert-wordpiece-uncased(" + model_->source + ")"; }
std::size_t BertWordPieceTokenizer::vocab_size() const { return model_->vocab_size; }
std::size_t BertWordPieceTokenizer::max_pieces() const { return model_->max_pieces; }

BertWordPieceTokenizer::BertWordPieceTokenizer(std::shared_ptr<const Model> model) : model_(std::move(model)) {}

// ---- 6. loading -----------------------------------------------------------------------

BertWordPieceTokenizer BertWordPieceTokenizer::from_tokens(const std::vector<std::string>& tokens,
                                                           std::size_t max_pieces, const std::string& source) {
  auto model = std::make_shared<Model>();
  model->source = source;
  model->max_pieces = max_pieces;
  bool has_unknown = false;
  for (const std::string& token : tokens) {
    // Ids do not matter here, so a repeated line changes nothing.
    if (!model->word_start.insert(token)) continue;
    ++model->vocab_size;
    if (token.compare(0, kContinuationPrefix.size(), kContinuationPrefix) == 0) {
      model->continuation.insert(std::string_view(token).substr(kContinuationPrefix.size()));
    }
    has_unknown = has_unknown || token == kUnknownToken;
  }
  // tokenizers fails only when a word needs [UNK]; failing at load is kinder.
  if (!has_unknown) throw InputError(source, 0, "the vocabulary has no \"[UNK]\" token");
  return BertWordPieceTokenizer(std::move(model));
}

BertWordPieceTokenizer BertWordPieceTokenizer::from_vocab_file(const std::string& path, std::size_t max_pieces) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw InputError(path, 0, "cannot open the vocabulary file");
  const std::string content{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  if (file.bad()) throw InputError(path, 0, "cannot read the vocabulary file");

  // transformers' load_vocab reads in Python text mode: a line ends at "\n",
  // "\r\n" or "\r", and only that line break is removed, so an empty line is
  // the token "" and trailing spaces stay. (tokenizers' own WordPiece::read_file
  // would also trim trailing whitespace; SciBERT's vocab.txt has none.)
  std::vector<std::string> tokens;
  std::size_t line_begin = 0;
  while (line_begin < content.size()) {
    std::size_t line_end = content.find_first_of("\r\n", line_begin);
    if (line_end == std::string::npos) line_end = content.size();
    const std::string_view line = std::string_view(content).substr(line_begin, line_end - line_begin);
    if (!utf8::is_valid(line)) {
      throw InputError(path, tokens.size() + 1, "the vocabulary is not valid UTF-8");
    }
    tokens.emplace_back(line);
    line_begin = line_end + 1;
    if (line_end + 1 < content.size() && content[line_end] == '\r' && content[line_end + 1] == '\n') ++line_begin;
  }
  if (tokens.empty()) throw InputError(path, 0, "the vocabulary file is empty");
  return from_tokens(tokens, max_pieces, path);
}

// ---- the stages on their own ---------------------------------------------------------

namespace bert {

std::string normalize_uncased(std::string_view text) {
  std::string out;
  normalize_into(text, out);
  return out;
}

std::vector<std::string> pre_tokenize(std::string_view text) {
  // The pre-tokenizer works on valid UTF-8; make it so as tokenize() does.
  const std::string valid = utf8::is_valid(text) ? std::string(text) : utf8::encode(utf8::decode(text));
  std::vector<std::string> words;
  for_each_word(valid, [&](std::string_view word) { words.emplace_back(word); });
  return words;
}

}  // namespace bert
}  // namespace icma::text
