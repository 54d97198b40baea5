// SentenceModelLayout::read: modules.json and the files it points to, as
// SentenceTransformer._load_sbert_model and models/Transformer.load find them.

#include <spdlog/spdlog.h>

#include <optional>

#include "icma/core/atomic_file.hpp"

#include "icma/core/error.hpp"
#include "icma/core/sha256.hpp"
#include "icma/sentence/sentence_model.hpp"
#include "json_file.hpp"

namespace icma::sentence {
namespace fs = std::filesystem;
namespace {

constexpr const char* kModulesJson = "modules.json";

// Older sentence-transformers versions named the Transformer's config after
// the model class; Transformer.load takes the first that exists.
constexpr const char* kSentenceConfigs[] = {
    "sentence_bert_config.json",       "sentence_roberta_config.json", "sentence_distilbert_config.json",
    "sentence_camembert_config.json",  "sentence_albert_config.json",  "sentence_xlm-roberta_config.json",
    "sentence_xlnet_config.json"};

enum class ModuleKind { transformer, pooling, normalize };

struct ModuleEntry {
  ModuleKind kind;
  fs::path path;  // relative to the model directory; "" = the directory itself
};

// "sentence_transformers.models.Pooling" -> pooling; anything else throws.
ModuleKind module_kind(const std::string& type, const std::string& where, const std::string& source) {
  const std::string prefix = "sentence_transformers.models.";
  const std::string name = type.compare(0, prefix.size(), prefix) == 0 ? type.substr(prefix.size()) : type;
  if (name == "Transformer") return ModuleKind::transformer;
  if (name == "Pooling") return ModuleKind::pooling;
  if (name == "Normalize") return ModuleKind::normalize;
  throw InputError(source, 0, where + ".type is \"" + type +
                                  "\", which icma does not run (it reads Transformer, Pooling and Normalize modules)");
}

std::vector<ModuleEntry> read_modules(const fs::path& file) {
  const std::string source = file.string();
  if (!fs::exists(file)) throw InputError(source, 0, "missing");
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(read_file(source));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(source, 0, std::string("invalid JSON: ") + e.what());
  }
  if (!json.is_array()) throw InputError(source, 0, "must hold a JSON array of modules");
  std::vector<ModuleEntry> modules;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const std::string where = "[" + std::to_string(i) + "]";
    const nlohmann::json& entry = json[i];
    if (!entry.is_object()) throw InputError(source, 0, where + " must be an object");
    for (const char* key : {"type", "path"}) {
      if (!entry.contains(key) || !entry[key].is_string()) {
        throw InputError(source, 0, where + "." + key + " is missing or not a string");
      }
    }
    const fs::path path = entry["path"].get<std::string>();
    if (path.is_absolute() || path.lexically_normal().string().rfind("..", 0) == 0) {
      throw InputError(source, 0, where + ".path \"" + path.string() + "\" leaves the model directory");
    }
    modules.push_back({module_kind(entry["type"].get<std::string>(), where, source), path});
  }
  // Transformer, Pooling, then at most a Normalize: the pipelines icma runs.
  const auto kind_at = [&](std::size_t i) { return i < modules.size() ? std::optional(modules[i].kind) : std::nullopt; };
  if (kind_at(0) != ModuleKind::transformer) {
    throw InputError(source, 0, "[0] must be the sentence_transformers.models.Transformer entry");
  }
  if (kind_at(1) != ModuleKind::pooling) {
    throw InputError(source, 0, "[1] must be the sentence_transformers.models.Pooling entry (after the Transformer)");
  }
  if (modules.size() > 3 || (modules.size() == 3 && modules[2].kind != ModuleKind::normalize)) {
    throw InputError(source, 0, "only a Normalize module may follow the Pooling module");
  }
  return modules;
}

void require_file(const fs::path& file, const std::string& why) {
  if (!fs::exists(file)) throw InputError(file.string(), 0, "missing (" + why + ")");
}

}  // namespace

SentenceModelLayout SentenceModelLayout::read(const fs::path& dir) {
  if (!fs::is_directory(dir)) throw InputError(dir.string(), 0, "not a model directory");
  SentenceModelLayout layout;
  layout.dir = dir;
  const fs::path modules_file = dir / kModulesJson;
  if (fs::exists(modules_file)) {
    const std::vector<ModuleEntry> modules = read_modules(modules_file);
    layout.files.push_back(kModulesJson);
    layout.transformer_dir = modules[0].path.empty() ? dir : dir / modules[0].path;
    layout.pooling_config = dir / modules[1].path / "config.json";
    require_file(layout.pooling_config, "the Pooling module's config, named in " + modules_file.string());
    layout.files.push_back((modules[1].path / "config.json").lexically_normal().string());
    layout.normalize = modules.size() == 3;
  } else {
    spdlog::warn("{}: no modules.json, so not a sentence-transformers model; using its encoder with mean pooling, "
                 "as sentence-transformers does", dir.string());
    layout.transformer_dir = dir;
  }
  const fs::path transformer = layout.transformer_dir.lexically_relative(dir);
  for (const char* name : kSentenceConfigs) {
    if (fs::exists(layout.transformer_dir / name)) {
      layout.sentence_config = layout.transformer_dir / name;
      layout.files.push_back((transformer / name).lexically_normal().string());
      break;
    }
  }
  require_file(layout.transformer_dir / "config.json", "the encoder's configuration");
  layout.files.push_back((transformer / "config.json").lexically_normal().string());
  layout.weights = find_encoder_weights(layout.transformer_dir);
  layout.files.push_back((transformer / layout.weights.filename()).lexically_normal().string());
  // The tokenizer as Tokenizer::load picks it (tokenizer.json over
  // tokenizer.model), and the files that name its special tokens.
  const char* tokenizer_file = fs::exists(layout.transformer_dir / "tokenizer.json")    ? "tokenizer.json"
                               : fs::exists(layout.transformer_dir / "tokenizer.model") ? "tokenizer.model"
                                                                                          : nullptr;
  if (tokenizer_file == nullptr) {
    throw InputError(layout.transformer_dir.string(), 0,
                     "no tokenizer.json (icma reads the fast tokenizer's file; saving the model with a recent "
                     "transformers writes one)");
  }
  for (const char* name : {tokenizer_file, "tokenizer_config.json", "special_tokens_map.json"}) {
    if (fs::exists(layout.transformer_dir / name)) layout.files.push_back((transformer / name).lexically_normal().string());
  }
  return layout;
}

nlohmann::json fingerprint_model_files(const SentenceModelLayout& layout) {
  nlohmann::json files = nlohmann::json::object();
  std::string lines;
  for (const std::string& name : layout.files) {
    const std::string hash = sha256_file_hex((layout.dir / name).string());
    files[name] = hash;
    lines += name + "\t" + hash + "\n";
  }
  return {{"sha256", sha256_hex(lines)}, {"files", files}};
}

}  // namespace icma::sentence
