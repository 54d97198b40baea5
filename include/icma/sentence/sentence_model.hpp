#pragma once
// A sentence-transformers model directory, read as sentence-transformers
// reads it, and its sentence embeddings: what SentenceTransformer(dir).encode
// gives, for the modules icma supports.
//
//   DIR/modules.json                 the pipeline: Transformer, Pooling, then
//                                    optionally Normalize (in this order)
//   DIR/<Transformer path>/          config.json, model.safetensors or
//                                    pytorch_model.bin, tokenizer.json,
//                                    sentence_bert_config.json
//                                    {max_seq_length, do_lower_case}
//   DIR/<Pooling path>/config.json   see pooling.hpp
//
// Texts are stripped (Python's str.strip), lower-cased when do_lower_case
// (Python's str.lower), tokenised with the special tokens and truncated to
// max_seq_length ids, the special tokens included (tokenizer.hpp,
// encode_truncated); the encoder's token embeddings are pooled, and scaled to
// unit length when there is a Normalize module. A directory without
// modules.json is read as sentence-transformers does: the encoder and mean
// pooling (with a warning).
//
// Not here: Dense, LayerNorm and other modules (InputError naming them),
// prompts, and models other than BERT/RoBERTa (encoder_config.hpp).

#include <torch/types.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "icma/sentence/encoder.hpp"
#include "icma/sentence/pooling.hpp"
#include "icma/tokenizer/tokenizer.hpp"

namespace icma::sentence {

// Where the parts of a model directory are, read from its small files only
// (no weights), so that a directory can be fingerprinted before it is loaded.
struct SentenceModelLayout {
  std::filesystem::path dir;
  std::filesystem::path transformer_dir;       // config.json, weights, tokenizer
  std::filesystem::path pooling_config;        // empty: mean pooling (no modules.json)
  std::filesystem::path sentence_config;       // sentence_bert_config.json; empty if absent
  std::filesystem::path weights;               // model.safetensors or pytorch_model.bin
  bool normalize = false;                      // a Normalize module follows the pooling
  // Every file that decides the embeddings, in a fixed order: modules.json,
  // the pooling and sentence configs, config.json, the weights, the tokenizer
  // files. Paths relative to `dir`.
  std::vector<std::string> files;

  // Reads modules.json and checks that every file is there; InputError
  // naming the file and the key (modules.json entries, pooling settings...).
  static SentenceModelLayout read(const std::filesystem::path& dir);
};

// {"sha256": ..., "files": {relative path: SHA-256}}: the combined hash is
// the SHA-256 of the "path<TAB>sha256\n" lines of `layout.files`, so any
// change to the weights, the config or the tokenizer changes it.
nlohmann::json fingerprint_model_files(const SentenceModelLayout& layout);

struct EncodeOptions {
  std::size_t batch_size = 32;   // texts per forward pass (sentence-transformers' default)
  // Threads that tokenise, then encode whole batches side by side, one
  // batch per thread and core (at most LibTorch's at::get_num_threads()).
  // With one, the batch's operations use LibTorch's threads instead. On a
  // GPU the batches go one after another.
  unsigned threads = 1;
  std::string progress_label;    // "" = no progress reports
};

class SentenceModel {
 public:
  // Reads the layout, the tokenizer, the encoder and the module configs.
  // Problems throw InputError naming the file and the key.
  // The encoder runs on `device` (weights::parse_device).
  static std::unique_ptr<SentenceModel> load(const std::filesystem::path& dir, torch::Device device = torch::kCPU);

  // Sentence embeddings, float32 [texts.size(), dimension()], in the order
  // of `texts`. Texts go through the encoder longest first (by token count),
  // batch_size at a time, each batch padded to its longest, as
  // sentence-transformers' encode does (it sorts by characters). Padding
  // changes no embedding beyond float rounding, so neither do the batch
  // size and the thread count.
  torch::Tensor encode(const std::vector<std::string>& texts, const EncodeOptions& options = {}) const;

  // The ids the encoder sees for one text (stripped, lower-cased when
  // do_lower_case, truncated with the special tokens).
  std::vector<std::uint32_t> token_ids(std::string_view text) const;

  std::int64_t dimension() const { return pooling_.output_dimension(); }
  std::size_t max_seq_length() const { return max_seq_length_; }
  bool do_lower_case() const { return do_lower_case_; }
  const SentenceModelLayout& layout() const { return layout_; }
  const TransformerEncoder& encoder() const { return *encoder_; }
  const PoolingConfig& pooling() const { return pooling_; }
  const tokenizer::Tokenizer& tokenizer() const { return tokenizer_; }

 private:
  SentenceModel(SentenceModelLayout layout, tokenizer::Tokenizer tokenizer);
  SentenceModelLayout layout_;
  tokenizer::Tokenizer tokenizer_;
  std::unique_ptr<TransformerEncoder> encoder_;
  PoolingConfig pooling_;
  std::size_t max_seq_length_ = 0;
  bool do_lower_case_ = false;
};

// Python's str.strip() (no argument): the text without leading and trailing
// Unicode white space (str.isspace), as sentence-transformers strips texts.
std::string python_strip(std::string_view text);

}  // namespace icma::sentence
