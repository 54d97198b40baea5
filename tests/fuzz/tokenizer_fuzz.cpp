// libFuzzer target for icma::tokenizer::Tokenizer (not part of the CMake build or
// CI; scripts/fuzz.sh builds it with -fsanitize=fuzzer,address,undefined and
// runs it). Each input is one of:
//   first byte < 0x40   the rest is a tokenizer.json, loaded (random JSON to the loader);
//                       any error must be an icma::InputError
//   first byte < 0x60   the rest drives a tokenizer.json assembled from known component
//                       types and parameters (reaches the component factories and the
//                       encoder more often than raw bytes do), then encodes a text with it
//   otherwise           the rest is text: encode it with and without special tokens with
//                       every real tokenizer (ICMA_SHARED_DIR/models: galactica-125m, gpt2,
//                       mistral-7b-v0.1 tokenizer.json and tokenizer.model), decode the ids
//                       both ways, and decode ids read from the bytes
// Loader errors other than InputError, and any exception from encode/decode,
// abort (a finding).

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "icma/core/error.hpp"
#include "icma/tokenizer/tokenizer.hpp"

namespace {

using icma::tokenizer::Tokenizer;

std::string shared_dir() {
  const char* env = std::getenv("ICMA_SHARED_DIR");
  return env != nullptr && *env != '\0' ? env : "../shared";
}

const std::vector<Tokenizer>& real_tokenizers() {
  static const std::vector<Tokenizer> tokenizers = [] {
    std::vector<Tokenizer> out;
    const std::string models = shared_dir() + "/models/";
    for (const char* path : {"galactica-125m", "gpt2", "mistral-7b-v0.1/tokenizer.json",
                             "mistral-7b-v0.1/tokenizer.model"}) {
      if (!std::filesystem::exists(models + path)) continue;
      try {
        out.push_back(Tokenizer::load(models + path));
      } catch (const icma::Error& error) {
        // A real model that does not load is a finding: the fuzz build links
        // the SentencePiece plugin in (ICMA_SENTENCEPIECE_LINKED), so
        // tokenizer.model files load too.
        std::fprintf(stderr, "tokenizer_fuzz: %s does not load: %s\n", path, error.what());
        std::abort();
      }
    }
    if (out.empty()) std::fprintf(stderr, "tokenizer_fuzz: no tokenizers under %s\n", models.c_str());
    return out;
  }();
  return tokenizers;
}

std::string scratch_file() {
  static const std::string path = [] {
    const std::string base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    const std::string dir = base + "/icma-fuzz-" + std::to_string(getpid());
    std::filesystem::create_directories(dir);
    return dir + "/tokenizer.json";
  }();
  return path;
}

[[noreturn]] void finding(const char* what, const std::string& detail) {
  std::fprintf(stderr, "tokenizer_fuzz: %s: %s\n", what, detail.c_str());
  std::abort();
}

// `generated_file`: the tokenizer came from fuzzed JSON. Like HF, some
// configuration errors (an unk_token missing from the vocabulary) surface only
// when a text needs them, as icma::Error naming the field: expected there,
// a finding for the real tokenizers.
void exercise(const Tokenizer& tokenizer, const std::string& text, const std::uint8_t* bytes, std::size_t size,
              bool generated_file) {
  try {
    for (bool special : {false, true}) {
      const std::vector<std::uint32_t> ids = tokenizer.encode(text, special);
      const std::size_t vocab = tokenizer.vocab_size();
      for (std::uint32_t id : ids) {
        if (id >= vocab && !tokenizer.id_to_token(id)) finding("encode gave an id without a token", std::to_string(id));
      }
      (void)tokenizer.decode(ids, false);
      (void)tokenizer.decode(ids, true);
    }
    // Arbitrary in-range ids, read two bytes at a time.
    const std::size_t vocab = tokenizer.vocab_size();
    if (vocab > 0) {
      std::vector<std::uint32_t> ids;
      for (std::size_t i = 0; i + 1 < size && ids.size() < 64; i += 2) {
        ids.push_back(static_cast<std::uint32_t>((bytes[i] << 8 | bytes[i + 1]) * 7919u % vocab));
      }
      (void)tokenizer.decode(ids, false);
      (void)tokenizer.decode(ids, true);
      for (std::uint32_t id : ids) {
        if (const auto token = tokenizer.id_to_token(id)) (void)tokenizer.token_to_id(*token);
      }
    }
  } catch (const icma::Error& e) {
    if (!generated_file || std::string(e.what()).rfind("tokenizer.json: ", 0) != 0) finding("encode/decode threw", e.what());
  } catch (const std::exception& e) {
    finding("encode/decode threw", e.what());
  }
}

void load_bytes(const std::string& content, const std::string& text) {
  {
    std::ofstream out(scratch_file(), std::ios::binary | std::ios::trunc);
    out << content;
  }
  try {
    const Tokenizer tokenizer = Tokenizer::load(scratch_file());
    exercise(tokenizer, text, reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), true);
  } catch (const icma::InputError&) {
    // expected for malformed files
  } catch (const std::exception& e) {
    finding("the loader threw something other than InputError", e.what());
  }
}

// A tiny deterministic reader over the fuzz bytes.
struct Bytes {
  const std::uint8_t* data;
  std::size_t size;
  std::size_t at = 0;
  std::uint8_t next() { return at < size ? data[at++] : 0; }
  template <typename T>
  const T& pick(const std::vector<T>& options) { return options[next() % options.size()]; }
  std::string rest() { return std::string(reinterpret_cast<const char*>(data) + std::min(at, size), size - std::min(at, size)); }
};

nlohmann::json structured_tokenizer(Bytes& in) {
  using nlohmann::json;
  const std::vector<json> normalizers = {
      nullptr, {{"type", "NFC"}}, {{"type", "NFKC"}}, {{"type", "NFD"}}, {{"type", "NFKD"}}, {{"type", "Lowercase"}},
      {{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}},
      {{"type", "Prepend"}, {"prepend", "\xE2\x96\x81"}},
      {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\xE2\x96\x81"}},
      {{"type", "Replace"}, {"pattern", {{"Regex", "\\s+"}}}, {"content", " "}},
      {{"type", "Sequence"}, {"normalizers", json::array({{{"type", "NFKC"}}, {{"type", "Lowercase"}}})}},
      {{"type", "Bogus"}}};
  const std::vector<json> pre_tokenizers = {
      nullptr,
      {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}},
      {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", false}},
      {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "first"}, {"split", true}},
      {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "always"}, {"split", false}},
      {{"type", "Whitespace"}}, {{"type", "WhitespaceSplit"}}, {{"type", "Punctuation"}, {"behavior", "Isolated"}},
      {{"type", "Digits"}, {"individual_digits", true}},
      {{"type", "Split"}, {"pattern", {{"Regex", "\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)"}}},
       {"behavior", "Isolated"}, {"invert", false}},
      {{"type", "Split"}, {"pattern", {{"String", "C"}}}, {"behavior", "MergedWithPrevious"}, {"invert", false}},
      {{"type", "Split"}, {"pattern", {{"Regex", "(.)\\1+"}}}, {"behavior", "Contiguous"}, {"invert", true}},
      {{"type", "Split"}, {"pattern", {{"Regex", "(["}}}, {"behavior", "Removed"}, {"invert", false}},
      {{"type", "Sequence"},
       {"pretokenizers", json::array({{{"type", "Digits"}, {"individual_digits", false}}, {{"type", "Whitespace"}}})}}};
  const std::vector<json> decoders = {
      nullptr, {{"type", "ByteLevel"}}, {{"type", "ByteFallback"}}, {{"type", "Fuse"}},
      {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "always"}, {"split", true}},
      {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}},
      {{"type", "Replace"}, {"pattern", {{"String", "\xE2\x96\x81"}}}, {"content", " "}},
      {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}},
      {{"type", "Sequence"}, {"decoders", json::array({{{"type", "ByteFallback"}}, {{"type", "Fuse"}}})}}};
  const std::vector<json> post_processors = {
      nullptr, {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}},
      {{"type", "TemplateProcessing"},
       {"single", json::array({{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                               {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
       {"pair", json::array()},
       {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", json::array({0})}, {"tokens", json::array({"<s>"})}}}}}},
      {{"type", "BertProcessing"}, {"sep", json::array({"</s>", 1})}, {"cls", json::array({"<s>", 0})}}};

  // Vocabulary: special tokens, bytes as <0xXX>, single characters, a few merges.
  json vocab = json::object();
  std::uint32_t next_id = 0;
  for (const char* token : {"<s>", "</s>", "<unk>"}) vocab[token] = next_id++;
  const bool byte_level = in.next() % 2 == 0;
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    vocab[name] = next_id++;
  }
  for (const char* token : {"a", "b", "c", "C", "O", "N", "(", ")", "=", " ", "\xE2\x96\x81", "\xC4\xA0", "1", "2",
                            "ab", "abc", "CC", "CO", "\xE2\x96\x81" "a", "##b", "</w>"}) {
    vocab[token] = next_id++;
  }
  json merges = json::array();
  if (in.next() % 2 == 0) {
    merges = json::array({"a b", "ab c", "C C", "C O", "\xE2\x96\x81 a"});
  } else {
    merges = json::array({json::array({"a", "b"}), json::array({"ab", "c"}), json::array({"C", "C"})});
  }
  json model;
  switch (in.next() % 4) {
    case 0:
    case 1:
      model = {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}, {"byte_fallback", in.next() % 2 == 0},
               {"ignore_merges", in.next() % 2 == 0}, {"fuse_unk", in.next() % 2 == 0}};
      if (in.next() % 2 == 0) model["unk_token"] = "<unk>";
      if (in.next() % 4 == 0) model["continuing_subword_prefix"] = "##";
      if (in.next() % 4 == 0) model["end_of_word_suffix"] = "</w>";
      if (in.next() % 4 == 0) model.erase("type");  // older files without model.type
      break;
    case 2:
      model = {{"type", "WordPiece"}, {"vocab", vocab}, {"unk_token", "<unk>"}, {"continuing_subword_prefix", "##"},
               {"max_input_chars_per_word", 1 + in.next() % 100}};
      break;
    default:
      model = {{"type", "WordLevel"}, {"vocab", vocab}, {"unk_token", "<unk>"}};
      break;
  }
  (void)byte_level;
  json added = json::array();
  for (std::uint32_t id = 0; id < 3; ++id) {
    const std::uint8_t flags = in.next();
    added.push_back({{"id", id}, {"content", id == 0 ? "<s>" : id == 1 ? "</s>" : "<unk>"},
                     {"single_word", (flags & 1) != 0}, {"lstrip", (flags & 2) != 0}, {"rstrip", (flags & 4) != 0},
                     {"normalized", (flags & 8) != 0}, {"special", (flags & 16) == 0}});
  }
  return {{"version", "1.0"}, {"added_tokens", added}, {"normalizer", in.pick(normalizers)},
          {"pre_tokenizer", in.pick(pre_tokenizers)}, {"model", model}, {"post_processor", in.pick(post_processors)},
          {"decoder", in.pick(decoders)}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  if (mode < 0x40) {
    load_bytes(std::string(reinterpret_cast<const char*>(data) + 1, size - 1), "The molecule is CCO.");
    return 0;
  }
  if (mode < 0x60) {
    Bytes in{data + 1, size - 1};
    const nlohmann::json config = structured_tokenizer(in);
    load_bytes(config.dump(), in.rest());
    return 0;
  }
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  for (const Tokenizer& tokenizer : real_tokenizers()) exercise(tokenizer, text, data + 1, size - 1, false);
  return 0;
}
