#pragma once
// Making a tokenizer for a model that has none: `icma-train init` pairs its
// random model with a byte-level tokenizer (GPT-2's byte-to-character table,
// no merges), so any UTF-8 text encodes without unknown tokens, and the files
// load in Hugging Face `tokenizers` as they load here.

#include <cstdint>
#include <string>

namespace icma::llm {

struct ByteLevelTokenizerFiles {
  std::string tokenizer_json;         // tokenizer.json
  std::string tokenizer_config_json;  // tokenizer_config.json (names BOS/EOS/PAD/UNK)
};

// Ids: 0 <pad>, 1 <s> (BOS, prepended to every encoding), 2 </s> (EOS),
// 3 <unk>, then the 256 bytes. vocab_size must be at least 260; ids beyond
// are unused rows of the model's embedding.
ByteLevelTokenizerFiles byte_level_tokenizer_files(int64_t vocab_size);

}  // namespace icma::llm
