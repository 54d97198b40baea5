#include "icma/tokenizer/tokenizer.hpp"


#include <algorithm>
#include <limits>
#include <filesystem>
#include <unordered_map>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/core/parallel.hpp"
#include "icma/core/utf8.hpp"
#include "icma/tokenizer/sentencepiece_model.hpp"
#include "pipeline.hpp"
#include "sentencepiece_proto.hpp"

namespace icma::tokenizer {
namespace fs = std::filesystem;

// One of two back ends: a tokenizer.json pipeline or a SentencePiece model.
struct Tokenizer::Impl {
  std::string source;
  SpecialTokens special;

  // tokenizer.json
  std::unique_ptr<detail::AddedVocabulary> added;
  std::unique_ptr<detail::Normalizer> normalizer;
  std::unique_ptr<detail::PreTokenizer> pre_tokenizer;
  std::unique_ptr<detail::Model> model;
  std::unique_ptr<detail::PostProcessor> post_processor;
  std::unique_ptr<detail::Decoder> decoder;
  std::unordered_map<std::string, std::uint32_t> added_ids;     // content -> id
  std::unordered_map<std::uint32_t, std::string> added_tokens;  // id -> content
  std::unordered_set<std::string> special_contents;

  // tokenizer.model
  std::shared_ptr<const tokenizer::SentencePieceModel> sentencepiece;
  bool add_bos = true;   // LlamaTokenizer's defaults; tokenizer_config.json may change them
  bool add_eos = false;
  // Set only for Llama-style models (BPE with byte fallback), which are read
  // as Hugging Face's LlamaTokenizerFast does (see load_sentencepiece); other
  // SentencePiece models keep plain SentencePiece behaviour and leave these empty.
  std::shared_ptr<const tokenizer::SentencePieceModel> sentencepiece_no_prefix;  // add_dummy_prefix = false
  std::vector<std::pair<std::string, std::uint32_t>> sentencepiece_special;         // control and unk pieces
  std::unique_ptr<detail::Decoder> sentencepiece_decoder;                           // HF's Llama decoder chain

  std::optional<std::uint32_t> token_to_id(std::string_view token) const {
    if (sentencepiece) {
      const int id = sentencepiece->piece_to_id(token);
      // PieceToId answers unk_id for unknown pieces; only the unk piece itself maps there.
      if (id == sentencepiece->unk_id() && token != sentencepiece->id_to_piece(id)) return std::nullopt;
      return static_cast<std::uint32_t>(id);
    }
    const auto it = added_ids.find(std::string(token));
    if (it != added_ids.end()) return it->second;
    return model->token_to_id(token);
  }
};

namespace {

const nlohmann::json& field(const nlohmann::json& json, const char* key) {
  static const nlohmann::json null_json;
  const auto it = json.find(key);
  return it == json.end() ? null_json : *it;
}

nlohmann::json parse_json_file(const std::string& path) {
  const std::string text = read_file(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const std::size_t end = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    const std::size_t line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + end, '\n'));
    throw InputError(path, line, std::string("invalid JSON: ") + e.what());
  }
}

// A token given in tokenizer_config.json / special_tokens_map.json: a string,
// or an AddedToken object {"content": ...}.
std::optional<std::string> token_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value["content"].is_string()) {
    return value["content"].get<std::string>();
  }
  return std::nullopt;
}

// BOS/EOS/PAD/UNK from the model directory's config files (later files win),
// resolved to ids.
void read_special_tokens(const fs::path& dir, Tokenizer::Impl& impl) {
  for (const char* name : {"special_tokens_map.json", "tokenizer_config.json"}) {
    const fs::path path = dir / name;
    if (!fs::exists(path)) continue;
    const nlohmann::json config = parse_json_file(path.string());
    if (!config.is_object()) continue;
    const auto resolve = [&](const char* key, std::optional<std::uint32_t>& slot) {
      if (const auto text = token_text(field(config, key))) {
        if (const auto id = impl.token_to_id(*text)) slot = id;
      }
    };
    resolve("bos_token", impl.special.bos);
    resolve("eos_token", impl.special.eos);
    resolve("pad_token", impl.special.pad);
    resolve("unk_token", impl.special.unk);
    if (impl.sentencepiece) {
      if (config.contains("add_bos_token") && config["add_bos_token"].is_boolean()) impl.add_bos = config["add_bos_token"];
      if (config.contains("add_eos_token") && config["add_eos_token"].is_boolean()) impl.add_eos = config["add_eos_token"];
    }
  }
}

std::shared_ptr<Tokenizer::Impl> load_tokenizer_json(const std::string& path) {
  auto impl = std::make_shared<Tokenizer::Impl>();
  impl->source = path;
  const nlohmann::json json = parse_json_file(path);
  if (!json.is_object()) throw InputError(path, 1, "a tokenizer.json must be a JSON object");
  try {
    std::vector<detail::AddedToken> added;
    const nlohmann::json& added_json = field(json, "added_tokens");
    if (!added_json.is_null() && !added_json.is_array()) throw InputError("tokenizer.json: added_tokens: not an array");
    for (std::size_t i = 0; i < added_json.size(); ++i) {
      const nlohmann::json& token = added_json[i];
      const std::string where = "added_tokens[" + std::to_string(i) + "]";
      if (!token.is_object() || !token.contains("id") || !token.contains("content")) {
        throw InputError("tokenizer.json: " + where + ": needs \"id\" and \"content\"");
      }
      detail::AddedToken entry;
      // Unchecked, get<uint32_t> would wrap -1 or 1e20 into some id.
      if (!token["id"].is_number_integer() || token["id"].get<std::int64_t>() < 0 ||
          token["id"].get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max()) {
        throw InputError("tokenizer.json: " + where + ": id must be an unsigned 32-bit integer");
      }
      entry.id = token["id"].get<std::uint32_t>();
      entry.content = token["content"].get<std::string>();
      entry.special = token.value("special", false);
      entry.single_word = token.value("single_word", false);
      entry.lstrip = token.value("lstrip", false);
      entry.rstrip = token.value("rstrip", false);
      entry.normalized = token.value("normalized", !entry.special);
      impl->added_ids[entry.content] = entry.id;
      impl->added_tokens[entry.id] = entry.content;
      if (entry.special) impl->special_contents.insert(entry.content);
      added.push_back(std::move(entry));
    }
    impl->normalizer = detail::make_normalizer(field(json, "normalizer"), "normalizer");
    impl->pre_tokenizer = detail::make_pre_tokenizer(field(json, "pre_tokenizer"), "pre_tokenizer");
    if (field(json, "model").is_null()) throw InputError("tokenizer.json: model: missing");
    impl->model = detail::make_model(field(json, "model"), "model");
    impl->post_processor = detail::make_post_processor(field(json, "post_processor"), "post_processor");
    impl->decoder = detail::make_decoder(field(json, "decoder"), "decoder");
    impl->added = std::make_unique<detail::AddedVocabulary>(std::move(added));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, 0, std::string("malformed tokenizer.json: ") + e.what());
  } catch (const InputError& e) {
    // Factories name the field; add the file.
    if (e.file().empty()) throw InputError(path, 0, e.what());
    throw;
  }
  return impl;
}

std::shared_ptr<Tokenizer::Impl> load_sentencepiece(const std::string& path) {
  auto impl = std::make_shared<Tokenizer::Impl>();
  impl->source = path;
  impl->sentencepiece = tokenizer::SentencePieceModel::load_file(path);
  const auto id_of = [](int id) { return id < 0 ? std::optional<std::uint32_t>{} : std::optional<std::uint32_t>(id); };
  impl->special.bos = id_of(impl->sentencepiece->bos_id());
  impl->special.eos = id_of(impl->sentencepiece->eos_id());
  impl->special.pad = id_of(impl->sentencepiece->pad_id());
  impl->special.unk = id_of(impl->sentencepiece->unk_id());

  // Llama-style models (BPE with byte fallback: Llama, Mistral...) are read as
  // transformers' LlamaConverter turns them into a LlamaTokenizerFast
  // tokenizer.json: control and unk pieces ("<unk>", "<s>", "</s>") are
  // special tokens found anywhere in the text, Metaspace with prepend_scheme
  // "first" adds the dummy prefix only at the start of the input, and decoding
  // runs the decoder chain below. That converter handles only this kind of
  // model; any other (e.g. the Unigram models of T5) keeps plain SentencePiece
  // behaviour: special-token strings are plain text, Decode decodes.
  const std::string proto = impl->sentencepiece->serialized_model_proto();
  const auto trainer = detail::read_trainer_spec(proto);
  constexpr int kBpe = 2;
  if (trainer && trainer->model_type == kBpe && trainer->byte_fallback) {
    const auto edited = detail::without_dummy_prefix(proto);
    if (!edited) throw InputError(path, 0, "not a SentencePiece model: malformed ModelProto");
    impl->sentencepiece_no_prefix = tokenizer::SentencePieceModel::load_serialized(*edited, path);
    const tokenizer::SentencePieceModel& sp = *impl->sentencepiece;
    for (int id = 0; id < sp.piece_size(); ++id) {
      if ((sp.is_control(id) || sp.is_unknown(id)) && !sp.id_to_piece(id).empty()) {
        impl->sentencepiece_special.emplace_back(sp.id_to_piece(id), static_cast<std::uint32_t>(id));
      }
    }
    // The decoder of LlamaConverter's tokenizer.json.
    static const nlohmann::json kLlamaDecoder = nlohmann::json::parse(R"({
      "type": "Sequence",
      "decoders": [
        {"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "},
        {"type": "ByteFallback"},
        {"type": "Fuse"},
        {"type": "Strip", "content": " ", "start": 1, "stop": 0}
      ]
    })");
    impl->sentencepiece_decoder = detail::make_decoder(kLlamaDecoder, "decoder");
  }
  return impl;
}

// Appends the SentencePiece ids of `text`, or nothing for an empty text.
void encode_pieces(const tokenizer::SentencePieceModel& sp, std::string_view text,
                   std::vector<std::uint32_t>& ids) {
  if (text.empty()) return;
  for (int id : sp.encode_ids(text)) ids.push_back(static_cast<std::uint32_t>(id));
}

// A Llama-style tokenizer.model as LlamaTokenizerFast encodes: the special
// pieces are split off first (leftmost-longest, no whitespace stripping) and
// become their ids; the text between them goes to SentencePiece, with the
// dummy prefix "▁" only for text at byte 0 of the input, and only when it
// does not already start with a space or "▁" (HF's Metaspace, prepend_scheme
// "first", after replacing ' ' with "▁").
void encode_llama(const Tokenizer::Impl& impl, std::string_view text, std::vector<std::uint32_t>& ids) {
  static constexpr std::string_view kMetaspace = "\xE2\x96\x81";  // U+2581
  std::size_t segment = 0;  // start of the text not yet encoded
  const auto flush = [&](std::size_t end) {
    const std::string_view part = text.substr(segment, end - segment);
    const bool prefix = segment == 0 && part.substr(0, 1) != " " && part.substr(0, kMetaspace.size()) != kMetaspace;
    encode_pieces(prefix ? *impl.sentencepiece : *impl.sentencepiece_no_prefix, part, ids);
  };
  std::size_t at = 0;
  while (at < text.size()) {
    const std::pair<std::string, std::uint32_t>* best = nullptr;
    for (const auto& special : impl.sentencepiece_special) {
      if ((!best || special.first.size() > best->first.size()) &&
          text.compare(at, special.first.size(), special.first) == 0) {
        best = &special;
      }
    }
    if (!best) {
      ++at;
      continue;
    }
    flush(at);
    ids.push_back(best->second);
    at += best->first.size();
    segment = at;
  }
  flush(text.size());
}

// The ids of the text alone, before any special token is added.
std::vector<std::uint32_t> encode_content(const Tokenizer::Impl& impl, std::string_view text) {
  std::vector<std::uint32_t> ids;
  if (impl.sentencepiece) {
    if (impl.sentencepiece_no_prefix) {
      encode_llama(impl, text, ids);
    } else {
      for (int id : impl.sentencepiece->encode_ids(text)) ids.push_back(static_cast<std::uint32_t>(id));
    }
    return ids;
  }
  // The pipeline (Oniguruma included) assumes valid UTF-8, as Rust strings
  // are; repair anything else to U+FFFD first.
  std::string repaired;
  if (!utf8::is_valid(text)) {
    repaired = utf8::encode(utf8::decode(text));
    text = repaired;
  }
  std::vector<detail::Split> splits = impl.added->split(text, impl.normalizer.get());
  if (impl.pre_tokenizer) impl.pre_tokenizer->pre_tokenize(splits);
  for (const detail::Split& split : splits) {
    if (split.id) {
      ids.push_back(*split.id);
    } else if (!split.text.empty()) {
      impl.model->tokenize(split.text, ids);
    }
  }
  return ids;
}

// The special tokens around a single sequence: BOS/EOS as the SentencePiece
// model's config says, or the tokenizer.json's post-processor.
void add_special_ids(const Tokenizer::Impl& impl, std::vector<std::uint32_t>& ids) {
  if (impl.sentencepiece) {
    if (impl.add_bos && impl.special.bos) ids.insert(ids.begin(), *impl.special.bos);
    if (impl.add_eos && impl.special.eos) ids.push_back(*impl.special.eos);
    return;
  }
  if (impl.post_processor) impl.post_processor->process(ids);
}

}  // namespace

Tokenizer::Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Tokenizer Tokenizer::load(const std::string& path) {
  fs::path file = path;
  fs::path dir;
  if (fs::is_directory(file)) {
    dir = file;
    if (fs::exists(dir / "tokenizer.json")) {
      file = dir / "tokenizer.json";
    } else if (fs::exists(dir / "tokenizer.model")) {
      file = dir / "tokenizer.model";
    } else {
      throw InputError(path, 0, "no tokenizer.json or tokenizer.model in this directory");
    }
  } else {
    if (!fs::exists(file)) throw InputError(path, 0, "no such file");
    dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  }
  std::shared_ptr<Impl> impl =
      file.extension() == ".json" ? load_tokenizer_json(file.string()) : load_sentencepiece(file.string());
  read_special_tokens(dir, *impl);
  return Tokenizer(std::move(impl));
}

std::vector<std::uint32_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  std::vector<std::uint32_t> ids = encode_content(*impl_, text);
  if (add_special_tokens) add_special_ids(*impl_, ids);
  return ids;
}

std::vector<std::uint32_t> Tokenizer::encode_truncated(std::string_view text, std::size_t max_length) const {
  const std::size_t specials = num_special_tokens();
  if (max_length < specials) {
    throw InputError("a maximum length of " + std::to_string(max_length) + " leaves no room for the " +
                     std::to_string(specials) + " special tokens of " + describe());
  }
  std::vector<std::uint32_t> ids = encode_content(*impl_, text);
  if (ids.size() > max_length - specials) ids.resize(max_length - specials);
  add_special_ids(*impl_, ids);
  return ids;
}

std::size_t Tokenizer::num_special_tokens() const {
  // What the post-processor adds around an empty text (HF counts the same way).
  std::vector<std::uint32_t> ids;
  add_special_ids(*impl_, ids);
  return ids.size();
}

std::vector<std::vector<std::uint32_t>> Tokenizer::encode_batch(const std::vector<std::string>& texts,
                                                                bool add_special_tokens, unsigned threads) const {
  std::vector<std::vector<std::uint32_t>> out(texts.size());
  parallel_for(texts.size(), threads, 16, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) out[i] = encode(texts[i], add_special_tokens);
  });
  return out;
}

std::string Tokenizer::decode(const std::vector<std::uint32_t>& ids, bool skip_special_tokens) const {
  const Impl& impl = *impl_;
  if (impl.sentencepiece_decoder) {
    // As LlamaTokenizerFast: ids to pieces (unknown ids dropped; control and
    // unk pieces dropped when skipping, else kept as their text "<s>"...),
    // then the Llama decoder chain.
    const tokenizer::SentencePieceModel& sp = *impl.sentencepiece;
    std::vector<std::string> tokens;
    for (std::uint32_t id : ids) {
      if (id >= static_cast<std::uint32_t>(sp.piece_size())) continue;
      const int i = static_cast<int>(id);
      if (skip_special_tokens && (sp.is_control(i) || sp.is_unknown(i))) continue;
      tokens.push_back(sp.id_to_piece(i));
    }
    std::string text;
    for (const std::string& piece : impl.sentencepiece_decoder->decode_chain(std::move(tokens))) text += piece;
    return text;
  }
  if (impl.sentencepiece) {
    std::vector<int> kept;
    for (std::uint32_t id : ids) {
      if (skip_special_tokens && (impl.sentencepiece->is_control(static_cast<int>(id)))) continue;
      kept.push_back(static_cast<int>(id));
    }
    return impl.sentencepiece->decode(kept);
  }
  // HF: tokens from the added vocabulary, else the model; unknown ids are
  // dropped; special tokens left out when asked.
  std::vector<std::string> tokens;
  for (std::uint32_t id : ids) {
    std::optional<std::string> token;
    const auto added = impl.added_tokens.find(id);
    if (added != impl.added_tokens.end()) {
      token = added->second;
    } else {
      token = impl.model->id_to_token(id);
    }
    if (!token) continue;
    if (skip_special_tokens && impl.special_contents.count(*token) > 0) continue;
    tokens.push_back(std::move(*token));
  }
  if (!impl.decoder) {
    std::string text;
    for (std::size_t i = 0; i < tokens.size(); ++i) text += (i == 0 ? "" : " ") + tokens[i];
    return text;
  }
  std::string text;
  for (const std::string& piece : impl.decoder->decode_chain(std::move(tokens))) text += piece;
  return text;
}

std::optional<std::uint32_t> Tokenizer::token_to_id(std::string_view token) const { return impl_->token_to_id(token); }

std::optional<std::string> Tokenizer::id_to_token(std::uint32_t id) const {
  const Impl& impl = *impl_;
  if (impl.sentencepiece) {
    if (id >= static_cast<std::uint32_t>(impl.sentencepiece->piece_size())) return std::nullopt;
    return impl.sentencepiece->id_to_piece(static_cast<int>(id));
  }
  const auto added = impl.added_tokens.find(id);
  if (added != impl.added_tokens.end()) return added->second;
  return impl.model->id_to_token(id);
}

std::size_t Tokenizer::vocab_size() const {
  const Impl& impl = *impl_;
  if (impl.sentencepiece) return static_cast<std::size_t>(impl.sentencepiece->piece_size());
  // Added tokens that the model's vocabulary does not already hold count on top.
  std::size_t extra = 0;
  for (const auto& [id, content] : impl.added_tokens) {
    if (!impl.model->id_to_token(id)) ++extra;
  }
  return impl.model->vocab_size() + extra;
}

const SpecialTokens& Tokenizer::special_tokens() const { return impl_->special; }

std::string Tokenizer::describe() const {
  return (impl_->sentencepiece ? "sentencepiece(" : "tokenizer.json(") + impl_->source + ")";
}

void copy_tokenizer_files(const std::filesystem::path& from_dir, const std::filesystem::path& to_dir) {
  static const char* const kFiles[] = {"tokenizer.json",    "tokenizer.model", "tokenizer_config.json",
                                       "special_tokens_map.json", "added_tokens.json", "vocab.json",
                                       "merges.txt",        "generation_config.json"};
  std::filesystem::create_directories(to_dir);
  for (const char* name : kFiles) {
    if (std::filesystem::exists(from_dir / name)) {
      std::filesystem::copy_file(from_dir / name, to_dir / name, std::filesystem::copy_options::overwrite_existing);
    }
  }
}

}  // namespace icma::tokenizer
