#pragma once
// LLM tokenisers, identical to Hugging Face `tokenizers`: a model's
// tokenizer.json (normalizer, pre-tokenizer, BPE/WordPiece/WordLevel model,
// added tokens, post-processor, decoder), or a SentencePiece tokenizer.model
// through libsentencepiece. Special tokens (BOS/EOS/PAD/UNK) come from the
// model directory's tokenizer_config.json / special_tokens_map.json.

#include <cstdint>
#include <memory>
#include <optional>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace icma::tokenizer {

struct SpecialTokens {
  std::optional<std::uint32_t> bos, eos, pad, unk;
};

class Tokenizer {
 public:
  // `path` is a model directory (tokenizer.json preferred, else
  // tokenizer.model), a tokenizer.json or a tokenizer.model. Bad files throw
  // InputError naming the file and, for JSON, the field.
  static Tokenizer load(const std::string& path);

  // Thread-safe: encode/decode are const and share no mutable state.
  std::vector<std::uint32_t> encode(std::string_view text, bool add_special_tokens = true) const;
  std::vector<std::vector<std::uint32_t>> encode_batch(const std::vector<std::string>& texts,
                                                       bool add_special_tokens, unsigned threads) const;
  std::string decode(const std::vector<std::uint32_t>& ids, bool skip_special_tokens = false) const;

  // encode(text, true) cut to at most `max_length` ids, special tokens
  // included, as HF's truncation (longest_first, direction right, stride 0)
  // does for one sequence: the text's own ids are cut to max_length minus
  // num_special_tokens(), then the special tokens are added. What
  // sentence-transformers feeds its encoders. Throws InputError when
  // max_length leaves no room for the special tokens' own count.
  std::vector<std::uint32_t> encode_truncated(std::string_view text, std::size_t max_length) const;
  // How many ids encode(text, true) adds to the text's own, as HF's
  // num_special_tokens_to_add(pair=False): 2 for [CLS]/[SEP] or <s>/</s>.
  std::size_t num_special_tokens() const;

  std::optional<std::uint32_t> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(std::uint32_t id) const;
  // Including added tokens, as HF's get_vocab_size(with_added_tokens=True).
  std::size_t vocab_size() const;
  const SpecialTokens& special_tokens() const;
  // Where it was loaded from and which kind ("tokenizer.json" or "sentencepiece").
  std::string describe() const;

  struct Impl;  // defined in src/tokenizer/tokenizer.cpp

 private:
  explicit Tokenizer(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

// Copies the tokenizer files a Hugging Face model directory carries
// (tokenizer.json, tokenizer.model, tokenizer_config.json,
// special_tokens_map.json, added_tokens.json, vocab.json, merges.txt,
// generation_config.json) from `from_dir` into `to_dir`, those that exist,
// so that a directory of new weights is a complete model directory.
void copy_tokenizer_files(const std::filesystem::path& from_dir, const std::filesystem::path& to_dir);

}  // namespace icma::tokenizer
