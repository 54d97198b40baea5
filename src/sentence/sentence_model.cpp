// SentenceModel: loading the parts of a sentence-transformers directory and
// SentenceTransformer.encode's path through them.

#include "icma/sentence/sentence_model.hpp"

#include <spdlog/spdlog.h>

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <numeric>

#include "icma/core/error.hpp"
#include "icma/core/parallel.hpp"
#include "icma/core/progress.hpp"
#include "icma/core/utf8.hpp"
#include "icma/text/case.hpp"
#include "json_file.hpp"

namespace icma::sentence {
namespace fs = std::filesystem;
namespace {

// str.isspace() code points: Unicode White_Space plus the four information
// separators U+001C..U+001F, which Python also counts.
bool is_python_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

// tokenizer_config.json's model_max_length, when it has one.
std::optional<std::int64_t> tokenizer_max_length(const fs::path& dir) {
  const fs::path file = dir / "tokenizer_config.json";
  if (!fs::exists(file)) return std::nullopt;
  const nlohmann::json json = detail::read_json_object(file);
  const auto it = json.find("model_max_length");
  if (it == json.end() || !it->is_number_integer() || it->get<std::int64_t>() <= 0) return std::nullopt;
  return it->get<std::int64_t>();
}

}  // namespace

std::string python_strip(std::string_view text) {
  const std::u32string points = utf8::decode(text);
  std::size_t begin = 0, end = points.size();
  while (begin < end && is_python_space(points[begin])) ++begin;
  while (end > begin && is_python_space(points[end - 1])) --end;
  return utf8::encode(std::u32string_view(points).substr(begin, end - begin));
}

SentenceModel::SentenceModel(SentenceModelLayout layout, tokenizer::Tokenizer tokenizer)
    : layout_(std::move(layout)), tokenizer_(std::move(tokenizer)) {}

std::unique_ptr<SentenceModel> SentenceModel::load(const fs::path& dir, torch::Device device) {
  SentenceModelLayout layout = SentenceModelLayout::read(dir);
  tokenizer::Tokenizer tokenizer = tokenizer::Tokenizer::load(layout.transformer_dir.string());
  std::unique_ptr<SentenceModel> model(new SentenceModel(std::move(layout), std::move(tokenizer)));
  const SentenceModelLayout& parts = model->layout_;
  model->encoder_ = TransformerEncoder::load(parts.transformer_dir, device);
  const EncoderConfig& config = model->encoder_->config();

  std::optional<std::int64_t> max_seq_length;
  if (!parts.sentence_config.empty()) {
    const nlohmann::json json = detail::read_json_object(parts.sentence_config);
    const detail::JsonFields fields(json, parts.sentence_config.string());
    if (fields.has("max_seq_length")) max_seq_length = fields.positive("max_seq_length");
    model->do_lower_case_ = fields.flag("do_lower_case", false);
    for (const auto& [key, value] : json.items()) {
      if (key != "max_seq_length" && key != "do_lower_case" && !value.is_null() && !(value.is_object() && value.empty())) {
        spdlog::warn("{}: \"{}\" is not read by icma", parts.sentence_config.string(), key);
      }
    }
  }
  if (!max_seq_length) {
    // Transformer.__init__: the smaller of the position table and the tokenizer's limit.
    max_seq_length = config.max_position_embeddings;
    if (const auto limit = tokenizer_max_length(parts.transformer_dir)) max_seq_length = std::min(*max_seq_length, *limit);
  }
  if (*max_seq_length > config.max_sequence_length()) {
    spdlog::warn("{}: max_seq_length {} exceeds the encoder's {} positions; longer texts will fail",
                 dir.string(), *max_seq_length, config.max_sequence_length());
  }
  model->max_seq_length_ = static_cast<std::size_t>(*max_seq_length);
  model->tokenizer_.encode_truncated("", model->max_seq_length_);  // max_seq_length leaves room for the specials

  if (!parts.pooling_config.empty()) {
    model->pooling_ = PoolingConfig::load(parts.pooling_config);
    if (model->pooling_.word_embedding_dimension != config.hidden_size) {
      throw InputError(parts.pooling_config.string(), 0,
                       "\"word_embedding_dimension\" is " + std::to_string(model->pooling_.word_embedding_dimension) +
                           " but the encoder's hidden_size is " + std::to_string(config.hidden_size));
    }
  } else {
    model->pooling_.word_embedding_dimension = config.hidden_size;  // mean pooling, the default
  }
  return model;
}

std::vector<std::uint32_t> SentenceModel::token_ids(std::string_view text) const {
  std::string prepared = utf8::is_valid(text) ? std::string(text) : utf8::encode(utf8::decode(text));
  prepared = python_strip(prepared);
  if (do_lower_case_) prepared = text::python_lower(prepared);
  return tokenizer_.encode_truncated(prepared, max_seq_length_);
}

torch::Tensor SentenceModel::encode(const std::vector<std::string>& texts, const EncodeOptions& options) const {
  const EncoderConfig& config = encoder_->config();
  std::vector<std::vector<std::uint32_t>> ids(texts.size());
  parallel_for(texts.size(), options.threads, 64, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) ids[i] = token_ids(texts[i]);
  });
  // Longest first, so that each batch pads little; ties in input order.
  std::vector<std::int64_t> order(texts.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::int64_t a, std::int64_t b) { return ids[a].size() > ids[b].size(); });

  // Batches of consecutive texts in that order.
  const std::size_t batch_size = std::max<std::size_t>(1, options.batch_size);
  std::vector<std::size_t> starts;
  for (std::size_t start = 0; start < order.size(); start += batch_size) starts.push_back(start);

  const std::int64_t dim = dimension();
  torch::Tensor out = torch::empty({static_cast<std::int64_t>(texts.size()), dim}, torch::kFloat32);
  float* out_rows = out.data_ptr<float>();
  std::optional<Progress> progress;
  if (!options.progress_label.empty()) progress.emplace(options.progress_label, texts.size());
  const auto encode_batch = [&](std::size_t start) {
    c10::InferenceMode inference;  // per thread
    const std::size_t count = std::min(batch_size, order.size() - start);
    const std::int64_t tokens = static_cast<std::int64_t>(ids[order[start]].size());
    torch::Tensor input = torch::full({static_cast<std::int64_t>(count), tokens}, config.pad_token_id, torch::kInt64);
    torch::Tensor mask = torch::zeros({static_cast<std::int64_t>(count), tokens}, torch::kInt64);
    auto input_rows = input.accessor<std::int64_t, 2>();
    auto mask_rows = mask.accessor<std::int64_t, 2>();
    for (std::size_t row = 0; row < count; ++row) {
      const std::vector<std::uint32_t>& text_ids = ids[order[start + row]];
      for (std::size_t t = 0; t < text_ids.size(); ++t) {
        if (text_ids[t] >= static_cast<std::uint32_t>(config.vocab_size)) {
          throw InputError(layout_.transformer_dir.string(), 0,
                           "the tokenizer gave id " + std::to_string(text_ids[t]) + ", beyond the encoder's vocab_size " +
                               std::to_string(config.vocab_size) + ": tokenizer.json and config.json do not match");
        }
        input_rows[row][t] = text_ids[t];
        mask_rows[row][t] = 1;
      }
    }
    const torch::Tensor token_embeddings = encoder_->forward(input, mask);
    torch::Tensor embeddings = pool(pooling_, token_embeddings, mask.to(token_embeddings.device()));
    if (layout_.normalize) {
      // torch.nn.functional.normalize(p=2, dim=1): x / max(|x|, 1e-12).
      embeddings = embeddings / embeddings.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12);
    }
    embeddings = embeddings.to(torch::kCPU).contiguous();
    for (std::size_t row = 0; row < count; ++row) {
      std::copy_n(embeddings.data_ptr<float>() + row * dim, dim, out_rows + order[start + row] * dim);
    }
    if (progress) progress->advance(count);
  };

  // Whole batches side by side, one per thread, each computed on its own
  // core (LibTorch and OpenBLAS run single-threaded inside a parallel
  // region): no thread waits for another inside a layer, which keeps the
  // cores busy even when other processes compete for them. Threads take the
  // next batch as they finish (the first batches are the longest).
  const std::size_t workers =
      encoder_->device().is_cpu()
          ? std::min<std::size_t>({static_cast<std::size_t>(std::max(1u, options.threads)),
                                   static_cast<std::size_t>(at::get_num_threads()), starts.size()})
          : 1;
  std::atomic<std::size_t> next{0};
  at::parallel_for(0, static_cast<std::int64_t>(workers), 1, [&](std::int64_t, std::int64_t) {
    for (std::size_t batch = next++; batch < starts.size(); batch = next++) encode_batch(starts[batch]);
  });
  return out;
}

}  // namespace icma::sentence
