#include "icma/model/checkpoint.hpp"

#include <set>

#include <nlohmann/json.hpp>

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/weights/state_dict.hpp"

namespace icma::model {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

CheckpointFiles read_index(const std::filesystem::path& dir, const std::filesystem::path& index, bool require_shards) {
  CheckpointFiles checkpoint;
  checkpoint.source = index;
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(read_file(index.string()));
  } catch (const nlohmann::json::exception& error) {
    throw InputError(index.string(), 0, std::string("not valid JSON: ") + error.what());
  }
  if (!json.is_object() || !json.contains("weight_map") || !json["weight_map"].is_object()) {
    throw InputError(index.string(), 0, "no \"weight_map\" object");
  }
  std::set<std::string> shards;
  for (const auto& [name, shard] : json["weight_map"].items()) {
    if (!shard.is_string()) throw InputError(index.string(), 0, "weight_map[\"" + name + "\"] is not a file name");
    const std::string file = shard.get<std::string>();
    if (file.find('/') != std::string::npos || file == "..") {
      throw InputError(index.string(), 0, "weight_map[\"" + name + "\"] names a file outside the model directory: " + file);
    }
    checkpoint.weight_map[name] = file;
    shards.insert(file);
  }
  for (const std::string& shard : shards) {
    const std::filesystem::path path = dir / shard;
    if (require_shards && !std::filesystem::exists(path)) {
      throw InputError(index.string(), 0, "shard " + shard + " is missing from " + dir.string());
    }
    checkpoint.files.push_back(path);
  }
  return checkpoint;
}

}  // namespace

CheckpointFiles find_checkpoint(const std::filesystem::path& dir, bool require_shards) {
  if (!std::filesystem::is_directory(dir)) throw InputError(dir.string(), 0, "not a model directory");
  for (const char* index : {"model.safetensors.index.json", "pytorch_model.bin.index.json"}) {
    const std::filesystem::path path = dir / index;
    if (std::filesystem::exists(path) &&
        (std::string(index) == "model.safetensors.index.json" || !std::filesystem::exists(dir / "model.safetensors"))) {
      return read_index(dir, path, require_shards);
    }
  }
  for (const char* single : {"model.safetensors", "pytorch_model.bin"}) {
    if (std::filesystem::exists(dir / single)) {
      CheckpointFiles checkpoint;
      checkpoint.files.push_back(dir / single);
      checkpoint.source = dir / single;
      return checkpoint;
    }
  }
  throw InputError(dir.string(), 0,
                   "no weights (looked for model.safetensors[.index.json] and pytorch_model.bin[.index.json])");
}

std::string normalise_weight_name(const ModelConfig& config, const std::string& name) {
  if (ends_with(name, ".rotary_emb.inv_freq")) return "";  // a buffer older Llama saves carry; recomputed here
  if (config.tie_word_embeddings && name == "lm_head.weight") return "";  // the embedding matrix again
  if (config.model_type == "opt" && name.rfind("decoder.", 0) == 0) return "model." + name;
  return name;
}

void check_weight_names(const ModelConfig& config, const std::vector<std::string>& names, const std::string& source) {
  std::set<std::string> have;
  for (const std::string& name : names) {
    const std::string normalised = normalise_weight_name(config, name);
    if (!normalised.empty()) have.insert(normalised);
  }
  std::vector<std::string> missing;
  for (const auto& spec : config.weight_specs()) {
    if (!have.erase(spec.name)) missing.push_back(spec.name);
  }
  const std::vector<std::string> unexpected(have.begin(), have.end());
  if (!missing.empty()) throw InputError(source, 0, "missing weights: " + weights::join_weight_names(missing));
  if (!unexpected.empty()) throw InputError(source, 0, "weights a " + config.model_type + " model does not have: " + weights::join_weight_names(unexpected));
}

}  // namespace icma::model
