#pragma once
// The identities (SHA-256 of the files read) of what shapes a training or
// generation run besides its settings: the base model, a LoRA adapter, the
// tokenizer. Resumable runs record them and --resume compares them
// (core/resume_check.hpp), so another base model of the same shape is noticed.

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace icma::model {

// config.json and the weight files find_checkpoint() names (the shards and
// their index too).
nlohmann::json model_identity(const std::filesystem::path& model_dir);
// adapter_config.json and adapter_model.safetensors or adapter_model.bin.
nlohmann::json adapter_identity(const std::filesystem::path& adapter_dir);
// A tokenizer file, or the tokenizer files of a directory.
nlohmann::json tokenizer_identity(const std::string& path);

}  // namespace icma::model
