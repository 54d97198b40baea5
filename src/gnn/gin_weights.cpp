#include "icma/gnn/gin_weights.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>
#include <vector>

#include "icma/core/error.hpp"
#include "icma/weights/state_dict.hpp"
#include "icma/weights/tensor_file.hpp"

namespace icma::gnn {
namespace {

const std::string kAnchor = "x_embedding1.weight";

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string find_prefix(const weights::TensorMap& tensors, const std::string& source) {
  std::vector<std::string> prefixes;
  for (const auto& [name, tensor] : tensors) {
    if (ends_with(name, kAnchor)) prefixes.push_back(name.substr(0, name.size() - kAnchor.size()));
  }
  if (prefixes.empty()) {
    throw InputError(source, 0, "no " + kAnchor + " under any prefix: not a pretrain-gnns/Mole-BERT GIN state dict");
  }
  if (prefixes.size() > 1) {
    std::string list;
    for (const std::string& prefix : prefixes) list += (list.empty() ? "'" : ", '") + prefix + "'";
    throw InputError(source, 0, "several GINs in one file (key prefixes " + list + "); choose one with --gnn-prefix");
  }
  return prefixes.front();
}

// One more than the highest i of any "gnns.{i}." or "batch_norms.{i}." key,
// so that a layer with a missing tensor is reported rather than dropped.
std::int64_t layer_count(const weights::TensorMap& tensors) {
  std::int64_t count = 0;
  for (const auto& [name, tensor] : tensors) {
    for (const std::string stem : {"gnns.", "batch_norms."}) {
      if (name.compare(0, stem.size(), stem) != 0) continue;
      const std::size_t dot = name.find('.', stem.size());
      const std::string index = name.substr(stem.size(), dot - stem.size());
      if (index.empty() || index.size() > 3 || index.find_first_not_of("0123456789") != std::string::npos) continue;
      count = std::max<std::int64_t>(count, std::stoll(index) + 1);
    }
  }
  return count;
}

}  // namespace

LoadedGin load_gin(const std::filesystem::path& file, const std::optional<std::string>& prefix) {
  const std::string source = file.string();
  const weights::TensorMap all = weights::read_tensor_file(file);
  LoadedGin loaded;
  loaded.prefix = prefix ? *prefix : find_prefix(all, source);

  weights::TensorMap tensors;
  for (const auto& [name, tensor] : all) {
    if (name.compare(0, loaded.prefix.size(), loaded.prefix) == 0) {
      tensors.emplace(name.substr(loaded.prefix.size()), tensor);
    } else {
      ++loaded.ignored_keys;
      spdlog::debug("{}: ignoring {} (outside the prefix '{}')", source, name, loaded.prefix);
    }
  }
  const std::string where = loaded.prefix.empty() ? source : source + " (key prefix '" + loaded.prefix + "')";
  const auto anchor = tensors.find(kAnchor);
  if (anchor == tensors.end()) throw InputError(where, 0, "missing weight \"" + kAnchor + "\"");
  if (anchor->second.dim() != 2 || anchor->second.size(0) != kAtomEmbeddings) {
    throw InputError(where, 0, "weight \"" + kAnchor + "\" must have shape [120, emb_dim]");
  }
  GinConfig config;
  config.emb_dim = anchor->second.size(1);
  config.num_layers = layer_count(tensors);
  if (config.num_layers == 0) throw InputError(where, 0, "missing weight \"gnns.0.mlp.0.weight\" (no GIN layers)");

  loaded.encoder = GinEncoder(config);
  const weights::LoadReport report =
      weights::load_into(*loaded.encoder, tensors, where, /*allow_missing=*/true, /*allow_unexpected=*/true);
  for (const std::string& name : report.missing) {
    if (!ends_with(name, ".num_batches_tracked")) throw InputError(where, 0, "missing weight \"" + name + "\"");
  }
  for (const std::string& name : report.unexpected) {
    ++loaded.ignored_keys;
    spdlog::debug("{}: ignoring {} (not a GIN encoder weight)", where, name);
  }
  loaded.encoder->eval();
  spdlog::debug("{}: GIN with {} layers, {} dimensions", where, config.num_layers, config.emb_dim);
  return loaded;
}

void save_gin(const GinEncoderImpl& encoder, const std::filesystem::path& file,
              const std::map<std::string, std::string>& metadata) {
  std::map<std::string, std::string> all = metadata;
  all.emplace("format", "icma-gin");
  all.emplace("num_layers", std::to_string(encoder.config().num_layers));
  all.emplace("emb_dim", std::to_string(encoder.config().emb_dim));
  weights::write_safetensors(file, weights::state_dict(encoder), all);
}

}  // namespace icma::gnn
