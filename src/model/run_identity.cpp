#include "icma/model/run_identity.hpp"

#include "icma/core/resume_check.hpp"
#include "icma/model/checkpoint.hpp"

namespace icma::model {

nlohmann::json model_identity(const std::filesystem::path& model_dir) {
  const CheckpointFiles checkpoint = find_checkpoint(model_dir);
  std::vector<std::string> names = {"config.json", checkpoint.source.filename().string()};
  for (const auto& file : checkpoint.files) names.push_back(file.filename().string());
  return file_identities(model_dir.string(), names);
}

nlohmann::json adapter_identity(const std::filesystem::path& adapter_dir) {
  return file_identities(adapter_dir.string(), {"adapter_config.json", "adapter_model.safetensors", "adapter_model.bin"});
}

nlohmann::json tokenizer_identity(const std::string& path) {
  return file_identities(path, {"tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json",
                                "added_tokens.json"});
}

}  // namespace icma::model
