#pragma once
// Where a Hugging Face model directory keeps its weights, and whether their
// names fit a config. Both work without reading a single weight, so a 7B
// checkpoint's index can be checked on a laptop.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "icma/model/config.hpp"

namespace icma::model {

struct CheckpointFiles {
  // The weight files to read, in order (one, or the shards of an index).
  std::vector<std::filesystem::path> files;
  // For sharded checkpoints: weight name -> shard file name, from the index.
  std::map<std::string, std::string> weight_map;
  // The file a user should be told about in errors (the index, or the one file).
  std::filesystem::path source;
};

// Looks for, in this order: model.safetensors.index.json, model.safetensors,
// pytorch_model.bin.index.json, pytorch_model.bin. The index's weight_map must
// be an object of strings; shards it names must exist unless
// require_shards is false (checking an index alone).
CheckpointFiles find_checkpoint(const std::filesystem::path& model_dir, bool require_shards = true);

// Checkpoint names as the model names them: "decoder.*" gains OPT's "model."
// prefix, and entries no model uses (rotary_emb.inv_freq buffers, a tied
// lm_head.weight) are dropped. Returns "" for a name to drop.
std::string normalise_weight_name(const ModelConfig& config, const std::string& name);

// Compares checkpoint weight names (normalised) with config.weight_specs();
// throws InputError naming missing and unexpected weights.
void check_weight_names(const ModelConfig& config, const std::vector<std::string>& names, const std::string& source);

}  // namespace icma::model
