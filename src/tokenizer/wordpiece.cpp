// BERT WordPiece tokenisation, reproducing Hugging Face `tokenizers` (see
// include/icma/tokenizer/wordpiece.hpp). The file follows the reference pipeline:
//   1. character facts, with the Unicode versions tokenizers really uses
//   2. BertNormalizer
//   3. BertPreTokenizer
//      (1-3, and the stages on their own, are in bert_pretokenization.cpp/.hpp)
//   4. WordPiece over a byte trie of the vocabulary
//   5. special tokens and truncation
//   6. loading vocab.txt

#include "icma/tokenizer/wordpiece.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <utility>

#include "icma/core/error.hpp"
#include "icma/core/utf8.hpp"

#include "bert_pretokenization.hpp"

namespace icma::tokenizer {
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
    detail::normalize_into(segment, normalized);
    detail::for_each_word(normalized, [&](std::string_view word) {
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

}  // namespace icma::tokenizer
