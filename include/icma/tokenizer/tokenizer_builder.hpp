#pragma once
// Making a tokenizer for a model that has none: `icma-train init` pairs its
// random model with a byte-level tokenizer (GPT-2's byte-to-character table,
// no merges), so any UTF-8 text encodes without unknown tokens, and the files
// load in Hugging Face `tokenizers` as they load here.

#include <cstdint>
#include <string>
#include <vector>

namespace icma::tokenizer {

struct ByteLevelTokenizerFiles {
  std::string tokenizer_json;         // tokenizer.json
  std::string tokenizer_config_json;  // tokenizer_config.json (names BOS/EOS/PAD/UNK)
};

// Ids: 0 <pad>, 1 <s> (BOS, prepended to every encoding), 2 </s> (EOS),
// 3 <unk>, then the 256 bytes, then one token per BPE merge learnt from
// `corpus` (texts; may be empty), until vocab_size tokens. vocab_size must be
// at least 260; ids beyond the learnt ones are unused rows of the model's
// embedding.
//
// Learning is classic BPE (Sennrich et al. 2016) over words split as GPT-2's
// pattern splits them (letters, digits and other characters in separate
// runs, each with its leading space): the most frequent adjacent pair is
// merged, ties going to the lexicographically smallest, so the result is
// deterministic. Encoding applies the merges within the pre-tokenizer's
// words, as any byte-level BPE does.
ByteLevelTokenizerFiles byte_level_tokenizer_files(int64_t vocab_size, const std::vector<std::string>& corpus = {});

}  // namespace icma::tokenizer
