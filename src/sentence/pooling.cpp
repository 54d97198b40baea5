// Pooling as sentence-transformers' models/Pooling.py computes it.

#include "icma/sentence/pooling.hpp"

#include <array>
#include <utility>

#include <nlohmann/json.hpp>

#include "json_file.hpp"

namespace icma::sentence {
namespace {

struct ModeKey {
  PoolingMode mode;
  const char* key;   // the config.json boolean
  const char* name;  // the "pooling_mode" string and describe()'s word
};

// In sentence-transformers' output order.
constexpr std::array<ModeKey, 6> kModes = {{
    {PoolingMode::cls, "pooling_mode_cls_token", "cls"},
    {PoolingMode::max, "pooling_mode_max_tokens", "max"},
    {PoolingMode::mean, "pooling_mode_mean_tokens", "mean"},
    {PoolingMode::mean_sqrt_len, "pooling_mode_mean_sqrt_len_tokens", "mean_sqrt_len_tokens"},
    {PoolingMode::weighted_mean, "pooling_mode_weightedmean_tokens", "weightedmean"},
    {PoolingMode::last_token, "pooling_mode_lasttoken", "lasttoken"},
}};

}  // namespace

PoolingConfig PoolingConfig::from_json(const nlohmann::json& json, const std::string& source) {
  const detail::JsonFields fields(json, source);
  for (const auto& [key, value] : json.items()) {
    bool known = key == "word_embedding_dimension" || key == "pooling_mode" || key == "include_prompt";
    for (const ModeKey& mode : kModes) known = known || key == mode.key;
    if (!known) fields.fail(key, "is not a pooling setting sentence-transformers knows (an unknown pooling mode?)");
  }
  PoolingConfig config;
  config.word_embedding_dimension = fields.positive("word_embedding_dimension");
  config.include_prompt = fields.flag("include_prompt", true);
  config.modes.clear();
  if (fields.has("pooling_mode")) {
    // The string form overrides the booleans, as in Pooling.__init__.
    const std::string name = fields.text("pooling_mode", "");
    for (const ModeKey& mode : kModes) {
      if (name == mode.name && mode.mode != PoolingMode::mean_sqrt_len) config.modes.push_back(mode.mode);
    }
    if (config.modes.empty()) fields.fail("pooling_mode", "is \"" + name + "\"; use mean, max, cls, weightedmean or lasttoken");
    return config;
  }
  for (const ModeKey& mode : kModes) {
    // pooling_mode_mean_tokens defaults to true, the others to false.
    if (fields.flag(mode.key, mode.mode == PoolingMode::mean)) config.modes.push_back(mode.mode);
  }
  if (config.modes.empty()) fields.fail("pooling_mode_mean_tokens", "and every other pooling_mode_* are false: no pooling");
  return config;
}

PoolingConfig PoolingConfig::load(const std::filesystem::path& file) {
  return from_json(detail::read_json_object(file), file.string());
}

std::string PoolingConfig::describe() const {
  std::string text;
  for (PoolingMode mode : modes) {
    for (const ModeKey& known : kModes) {
      if (known.mode == mode) text += (text.empty() ? "" : "+") + std::string(known.name);
    }
  }
  return text;
}

torch::Tensor pool(const PoolingConfig& config, const torch::Tensor& token_embeddings,
                   const torch::Tensor& attention_mask) {
  c10::InferenceMode inference;
  const std::int64_t tokens = token_embeddings.size(1);
  const torch::Tensor mask = attention_mask.to(torch::kFloat32).unsqueeze(-1);  // [B, T, 1]
  std::vector<torch::Tensor> parts;
  for (PoolingMode mode : config.modes) {
    switch (mode) {
      case PoolingMode::cls:
        parts.push_back(token_embeddings.select(1, 0));
        break;
      case PoolingMode::max:
        parts.push_back(std::get<0>(token_embeddings.masked_fill(mask.eq(0), -1e9).max(1)));
        break;
      case PoolingMode::mean:
      case PoolingMode::mean_sqrt_len: {
        const torch::Tensor sum = (token_embeddings * mask).sum(1);
        const torch::Tensor count = mask.sum(1).clamp_min(1e-9);
        parts.push_back(mode == PoolingMode::mean ? sum / count : sum / count.sqrt());
        break;
      }
      case PoolingMode::weighted_mean: {
        const torch::Tensor weights =
            mask * torch::arange(1, tokens + 1, torch::kFloat32).view({1, tokens, 1});
        parts.push_back((token_embeddings * weights).sum(1) / weights.sum(1).clamp_min(1e-9));
        break;
      }
      case PoolingMode::last_token: {
        // The position before the first padding (the last one without any),
        // read from the masked embeddings as sentence-transformers does.
        const auto [least, first_zero] = attention_mask.min(1);
        const torch::Tensor last =
            torch::where(least.eq(0), first_zero, torch::full_like(first_zero, tokens)).sub(1).clamp_min(0);
        const torch::Tensor index = last.view({-1, 1, 1}).expand({-1, 1, token_embeddings.size(2)});
        parts.push_back((token_embeddings * mask).gather(1, index).squeeze(1));
        break;
      }
    }
  }
  return parts.size() == 1 ? parts.front().contiguous() : torch::cat(parts, 1);
}

}  // namespace icma::sentence
