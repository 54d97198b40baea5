#include "icma/tokenizer/tokenizer_builder.hpp"

#include <cctype>
#include <map>

#include <nlohmann/json.hpp>

#include "byte_level.hpp"
#include "icma/core/error.hpp"

namespace icma::tokenizer {

namespace {

enum class CharClass { kLetter, kDigit, kSpace, kOther };

CharClass classify(unsigned char c) {
  if (std::isalpha(c) || c >= 0x80) return CharClass::kLetter;  // UTF-8 sequences stay with letters
  if (std::isdigit(c)) return CharClass::kDigit;
  if (std::isspace(c)) return CharClass::kSpace;
  return CharClass::kOther;
}

// Words of `text` close to GPT-2's pattern: runs of one class, a single
// leading space attached to the run after it.
void count_words(const std::string& text, std::map<std::string, int64_t>& words) {
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    if (text[i] == ' ' && i + 1 < text.size() && classify(static_cast<unsigned char>(text[i + 1])) != CharClass::kSpace) ++i;
    const CharClass kind = classify(static_cast<unsigned char>(text[i]));
    while (i < text.size() && classify(static_cast<unsigned char>(text[i])) == kind) ++i;
    if (i == start) ++i;
    ++words[text.substr(start, i - start)];
  }
}

// Learns up to `merges_wanted` merges; returns them as (left, right) strings
// of byte characters.
std::vector<std::pair<std::string, std::string>> learn_merges(const std::vector<std::string>& corpus,
                                                              std::size_t merges_wanted) {
  std::map<std::string, int64_t> word_counts;
  for (const std::string& text : corpus) count_words(text, word_counts);
  const auto& chars = detail::byte_chars();
  struct Word {
    std::vector<std::string> symbols;
    int64_t count;
  };
  std::vector<Word> words;
  for (const auto& [text, count] : word_counts) {
    Word word{{}, count};
    for (unsigned char byte : text) word.symbols.push_back(chars[byte]);
    words.push_back(std::move(word));
  }
  std::vector<std::pair<std::string, std::string>> merges;
  while (merges.size() < merges_wanted) {
    std::map<std::pair<std::string, std::string>, int64_t> pairs;
    for (const Word& word : words) {
      for (std::size_t j = 0; j + 1 < word.symbols.size(); ++j) pairs[{word.symbols[j], word.symbols[j + 1]}] += word.count;
    }
    const std::pair<std::string, std::string>* best = nullptr;
    int64_t best_count = 1;  // a pair seen once is not worth a token
    for (const auto& [pair, count] : pairs) {
      if (count > best_count) {
        best = &pair;
        best_count = count;
      }
    }
    if (best == nullptr) break;
    const auto merge = *best;
    merges.push_back(merge);
    for (Word& word : words) {
      std::vector<std::string> merged;
      for (std::size_t j = 0; j < word.symbols.size(); ++j) {
        if (j + 1 < word.symbols.size() && word.symbols[j] == merge.first && word.symbols[j + 1] == merge.second) {
          merged.push_back(merge.first + merge.second);
          ++j;
        } else {
          merged.push_back(word.symbols[j]);
        }
      }
      word.symbols = std::move(merged);
    }
  }
  return merges;
}

}  // namespace

ByteLevelTokenizerFiles byte_level_tokenizer_files(int64_t vocab_size, const std::vector<std::string>& corpus) {
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
  nlohmann::json merges = nlohmann::json::array();
  if (!corpus.empty()) {
    int64_t next_id = 260;
    for (const auto& [left, right] : learn_merges(corpus, static_cast<std::size_t>(vocab_size - 260))) {
      vocab[left + right] = next_id++;
      merges.push_back(left + " " + right);
    }
  }

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
        {"merges", merges}}}};
  const nlohmann::json config{{"tokenizer_class", "PreTrainedTokenizerFast"}, {"bos_token", "<s>"},
                              {"eos_token", "</s>"},  {"pad_token", "<pad>"},
                              {"unk_token", "<unk>"}, {"model_max_length", 1000000000000000019884624838656.0},
                              {"clean_up_tokenization_spaces", false}};
  return {tokenizer.dump(1) + "\n", config.dump(2) + "\n"};
}

}  // namespace icma::tokenizer
