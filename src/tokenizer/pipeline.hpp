#pragma once
// Private to the llm module: the stages of a Hugging Face tokenizer.json
// pipeline, as interfaces that each component implements. The flow of
// Tokenizer::encode (src/tokenizer/tokenizer.cpp), as in HF tokenizers:
//
//   text ─ AddedVocabulary::split (special/added tokens become fixed ids; the
//          rest is normalized) ─ PreTokenizer (splits further) ─ Model (ids
//          per split) ─ PostProcessor (special tokens, when asked for)
//
// and of decode: ids ─ tokens (special ones skipped when asked) ─ Decoder
// ─ concatenated text.
//
// Offsets are not tracked (icma needs ids and text, not alignments); the one
// place HF looks at offsets, Metaspace's prepend_scheme "first", reads
// Split::at_input_start instead.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace icma::tokenizer::detail {

// One piece of the input on its way through the pipeline.
struct Split {
  std::string text;          // UTF-8; normalized, then transformed by pre-tokenizers
  bool at_input_start = false;  // starts at byte 0 of the original input
  std::optional<std::uint32_t> id;  // an added token: skips pre-tokenization and the model
};

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(std::string& text) const = 0;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Splits (and may transform) every split without an id, in place.
  virtual void pre_tokenize(std::vector<Split>& splits) const = 0;
};

class Model {
 public:
  virtual ~Model() = default;
  // Appends the ids of one pre-tokenized split.
  virtual void tokenize(std::string_view text, std::vector<std::uint32_t>& ids) const = 0;
  virtual std::optional<std::uint32_t> token_to_id(std::string_view token) const = 0;
  virtual std::optional<std::string> id_to_token(std::uint32_t id) const = 0;
  virtual std::size_t vocab_size() const = 0;  // without added tokens
};

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // Adds the special tokens of a single sequence (called only when
  // add_special_tokens is true); the ids come from the JSON itself.
  virtual void process(std::vector<std::uint32_t>& ids) const = 0;
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  // HF's decode_chain: tokens in, pieces out (concatenated by the caller).
  virtual std::vector<std::string> decode_chain(std::vector<std::string> tokens) const = 0;
};

// Factories from the tokenizer.json objects. A JSON null gives nullptr (no
// such stage). Unknown "type"s or malformed fields throw InputError whose
// message names the field path, e.g. "pre_tokenizer.pretokenizers[2].pattern".
// `where` is that path for the object passed in.
std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& json, const std::string& where);
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& json, const std::string& where);
std::unique_ptr<Model> make_model(const nlohmann::json& json, const std::string& where);
std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json& json, const std::string& where);
std::unique_ptr<Decoder> make_decoder(const nlohmann::json& json, const std::string& where);

// The "added_tokens" of a tokenizer.json.
struct AddedToken {
  std::uint32_t id = 0;
  std::string content;
  bool special = false;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
};

// HF's AddedVocabulary: finds added tokens in the input (those with
// normalized = false on the raw text, then the others on the normalized
// text), leftmost-longest, honouring lstrip/rstrip/single_word, and
// normalizes the text between them.
class AddedVocabulary {
 public:
  explicit AddedVocabulary(std::vector<AddedToken> tokens);
  std::vector<Split> split(std::string_view input, const Normalizer* normalizer) const;
  const std::vector<AddedToken>& tokens() const;

 private:
  struct Matcher;
  std::vector<AddedToken> tokens_;
  std::shared_ptr<const Matcher> raw_matcher_;         // normalized = false
  std::shared_ptr<const Matcher> normalized_matcher_;  // normalized = true
};

}  // namespace icma::tokenizer::detail
