// SentencePiece pieces with T5Tokenizer's special-token handling; see
// include/icma/tokenizer/sentencepiece_tokenizer.hpp for what is reproduced.

#include "icma/tokenizer/sentencepiece_tokenizer.hpp"

#include "icma/tokenizer/sentencepiece_model.hpp"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <cstdint>
#include <iterator>
#include <string>
#include <vector>

#include "icma/core/error.hpp"

namespace icma::tokenizer {

struct SentencePieceTokenizer::Model {
  std::string path;
  std::shared_ptr<const SentencePieceModel> processor;
};

namespace {

// What T5Tokenizer(extra_ids=100) registers as special added tokens. Its
// PreTrainedTokenizer.tokenize cuts them out of the text first (tokens_trie);
// the sentinels are AddedToken(lstrip=True, rstrip=True), so they also take
// the whitespace next to them, while </s> <unk> <pad> are AddedToken(special)
// with no stripping.
constexpr std::string_view kPlainSpecialTokens[] = {"</s>", "<unk>", "<pad>"};
constexpr std::string_view kSentinelPrefix = "<extra_id_";
constexpr int kSentinelCount = 100;

struct Chunk {
  std::string_view text;
  bool is_special = false;
  bool eats_whitespace = false;
};

// Length of the special token starting at `pos`, 0 if none. None of them is a
// prefix of another, so the first match is the only one.
std::size_t special_token_at(std::string_view text, std::size_t pos, bool& is_sentinel) {
  is_sentinel = false;
  for (const std::string_view token : kPlainSpecialTokens) {
    if (text.compare(pos, token.size(), token) == 0) return token.size();
  }
  if (text.compare(pos, kSentinelPrefix.size(), kSentinelPrefix) != 0) return 0;
  // "<extra_id_N>" with N written as Python writes it: 0..99, no leading zero.
  const std::size_t digits_begin = pos + kSentinelPrefix.size();
  std::size_t digits_end = digits_begin;
  while (digits_end < text.size() && digits_end - digits_begin < 3 && text[digits_end] >= '0' &&
         text[digits_end] <= '9') {
    ++digits_end;
  }
  const std::size_t digit_count = digits_end - digits_begin;
  if (digit_count == 0 || digits_end >= text.size() || text[digits_end] != '>') return 0;
  if (digit_count > 1 && text[digits_begin] == '0') return 0;
  const int number = std::stoi(std::string(text.substr(digits_begin, digit_count)));
  if (number >= kSentinelCount) return 0;
  is_sentinel = true;
  return digits_end + 1 - pos;
}

// Python's str.lstrip() / str.rstrip() without arguments drop str.isspace()
// characters, which are exactly ICU's u_isspace ones (Z*, \t..\r, \x1c..\x1f,
// \x85).
std::string_view strip_left(std::string_view text) {
  std::int32_t pos = 0;
  const auto length = static_cast<std::int32_t>(text.size());
  while (pos < length) {
    std::int32_t next = pos;
    UChar32 c;
    U8_NEXT(text.data(), next, length, c);
    if (c < 0 || !u_isspace(c)) break;
    pos = next;
  }
  return text.substr(static_cast<std::size_t>(pos));
}

std::string_view strip_right(std::string_view text) {
  auto end = static_cast<std::int32_t>(text.size());
  while (end > 0) {
    std::int32_t previous = end;
    UChar32 c;
    U8_PREV(text.data(), 0, previous, c);
    if (c < 0 || !u_isspace(c)) break;
    end = previous;
  }
  return text.substr(0, static_cast<std::size_t>(end));
}

// The text cut at special tokens, in order; empty stretches left out.
std::vector<Chunk> split_at_special_tokens(std::string_view text) {
  std::vector<Chunk> chunks;
  std::size_t chunk_begin = 0;
  for (std::size_t pos = text.find('<'); pos != std::string_view::npos; pos = text.find('<', pos)) {
    bool is_sentinel = false;
    const std::size_t length = special_token_at(text, pos, is_sentinel);
    if (length == 0) {
      ++pos;
      continue;
    }
    if (pos > chunk_begin) chunks.push_back({text.substr(chunk_begin, pos - chunk_begin)});
    chunks.push_back({text.substr(pos, length), true, is_sentinel});
    pos += length;
    chunk_begin = pos;
  }
  if (chunk_begin < text.size()) chunks.push_back({text.substr(chunk_begin)});
  return chunks;
}

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(std::shared_ptr<const Model> model) : model_(std::move(model)) {}

SentencePieceTokenizer SentencePieceTokenizer::from_model_file(const std::string& path) {
  auto model = std::make_shared<Model>();
  model->path = path;
  model->processor = SentencePieceModel::load_file(path);
  return SentencePieceTokenizer(std::move(model));
}

std::vector<std::string> SentencePieceTokenizer::encode_pieces(std::string_view text) const {
  return model_->processor->encode_pieces(text);
}

std::vector<std::string> SentencePieceTokenizer::tokenize(std::string_view text) const {
  std::vector<Chunk> chunks = split_at_special_tokens(text);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    if (!chunks[i].eats_whitespace) continue;
    if (i > 0 && !chunks[i - 1].is_special) chunks[i - 1].text = strip_right(chunks[i - 1].text);
    if (i + 1 < chunks.size() && !chunks[i + 1].is_special) chunks[i + 1].text = strip_left(chunks[i + 1].text);
  }
  std::vector<std::string> tokens;
  for (const Chunk& chunk : chunks) {
    if (chunk.text.empty()) continue;  // T5Tokenizer skips what stripping emptied
    if (chunk.is_special) {
      tokens.emplace_back(chunk.text);
    } else {
      std::vector<std::string> pieces = encode_pieces(chunk.text);
      tokens.insert(tokens.end(), std::make_move_iterator(pieces.begin()), std::make_move_iterator(pieces.end()));
    }
  }
  return tokens;
}

std::string SentencePieceTokenizer::name() const { return "sentencepiece(" + model_->path + ")"; }

std::size_t SentencePieceTokenizer::vocab_size() const {
  return static_cast<std::size_t>(model_->processor->piece_size());
}

}  // namespace icma::tokenizer
