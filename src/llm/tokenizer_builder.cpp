#include "icma/llm/tokenizer_builder.hpp"

#include <nlohmann/json.hpp>

#include "byte_level.hpp"
#include "icma/core/error.hpp"

namespace icma::llm {

ByteLevelTokenizerFiles byte_level_tokenizer_files(int64_t vocab_size) {
  const char* const specials[] = {"<pad>", "<s>", "</s>", "<unk>"};
  if (vocab_size < 260) {
    throw InputError("a byte-level tokenizer needs vocab_size >= 260 (4 special tokens + 256 bytes), not " +
                     std::to_string(vocab_size));
  }
  nlohmann::json added = nlohmann::json::array();
  nlohmann::json vocab = nlohmann::json::object();
  for (int id = 0; id < 4; ++id) {
    added.push_back({{"id", id}, {"content", specials[id]}, {"single_word", false}, {"lstrip", false},
                     {"rstrip", false}, {"normalized", false}, {"special", true}});
    vocab[specials[id]] = id;
  }
  const auto& chars = detail::byte_chars();
  for (int byte = 0; byte < 256; ++byte) vocab[chars[static_cast<std::size_t>(byte)]] = 4 + byte;

  const nlohmann::json byte_level{{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
  const nlohmann::json bos{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}};
  nlohmann::json tokenizer{
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens", added},
      {"normalizer", nullptr},
      {"pre_tokenizer", byte_level},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single", {bos, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
        {"pair", {bos, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}, bos, {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}}},
        {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1}}, {"tokens", {"<s>"}}}}}}}},
      {"decoder", byte_level},
      {"model",
       {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", nullptr},
        {"end_of_word_suffix", nullptr}, {"fuse_unk", false}, {"byte_fallback", false}, {"vocab", vocab},
        {"merges", nlohmann::json::array()}}}};
  const nlohmann::json config{{"tokenizer_class", "PreTrainedTokenizerFast"}, {"bos_token", "<s>"},
                              {"eos_token", "</s>"},  {"pad_token", "<pad>"},
                              {"unk_token", "<unk>"}, {"model_max_length", 1000000000000000019884624838656.0},
                              {"clean_up_tokenization_spaces", false}};
  return {tokenizer.dump(1) + "\n", config.dump(2) + "\n"};
}

}  // namespace icma::llm
