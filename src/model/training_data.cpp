// (prompt, target) texts -> token ids with their loss span, and a batch -> its loss.

#include <spdlog/spdlog.h>

#include "icma/core/error.hpp"
#include "icma/model/training_data.hpp"
#include "training_batch.hpp"

namespace icma::model {
std::string strip_prompt(const std::string& text) {
  const char* const whitespace = " \t\n\r\v\f";
  const auto first = text.find_first_not_of(whitespace);
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(whitespace);
  return text.substr(first, last - first + 1);
}

std::vector<TrainingExample> tokenize_prompt_targets(const std::vector<PromptTarget>& rows,
                                                     const tokenizer::Tokenizer& tokenizer, unsigned threads) {
  std::vector<std::string> prompts, full_texts;
  prompts.reserve(rows.size());
  full_texts.reserve(rows.size());
  for (const PromptTarget& row : rows) {
    full_texts.push_back(row.prompt + row.target);
    prompts.push_back(strip_prompt(row.prompt));
  }
  const auto prompt_ids = tokenizer.encode_batch(prompts, true, threads);
  const auto full_ids = tokenizer.encode_batch(full_texts, true, threads);
  std::vector<TrainingExample> examples(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    examples[i].id = rows[i].id;
    examples[i].ids.assign(full_ids[i].begin(), full_ids[i].end());
    examples[i].loss_from = static_cast<int64_t>(prompt_ids[i].size());
  }
  return examples;
}

std::vector<TrainingExample> make_training_examples(const std::vector<PromptTarget>& rows, const std::string& source,
                                                    const tokenizer::Tokenizer& tokenizer, int64_t cutoff_len,
                                                    bool train_on_inputs, unsigned threads, TokenizeStats* stats) {
  if (rows.empty()) throw InputError(source, 0, "holds no prompts");
  std::vector<TrainingExample> examples = tokenize_prompt_targets(rows, tokenizer, threads);
  TokenizeStats local;
  for (TrainingExample& example : examples) {
    if (train_on_inputs) example.loss_from = 0;
    if (cutoff_len > 0 && static_cast<int64_t>(example.ids.size()) > cutoff_len) {
      example.ids.resize(static_cast<std::size_t>(cutoff_len));
      ++local.truncated;
    }
    if (detail::loss_tokens(example) == 0) ++local.without_targets;
  }
  local.examples = examples.size();
  if (local.without_targets == examples.size()) {
    throw InputError(source, 0, "no example keeps a target token within --cutoff-len " + std::to_string(cutoff_len) +
                                    " (prompts are longer); raise it or use fewer examples per prompt");
  }
  if (local.truncated > 0) {
    spdlog::warn("{}: {} of {} examples were longer than the cutoff of {} tokens and were cut ({} lost every target token)",
                 source, local.truncated, examples.size(), cutoff_len, local.without_targets);
  }
  if (stats != nullptr) *stats = local;
  return examples;
}

namespace detail {

int64_t loss_tokens(const TrainingExample& example) {
  // Position t predicts token t + 1: tokens 1..n-1 can be predicted.
  const int64_t first = std::max<int64_t>(example.loss_from, 1);
  return std::max<int64_t>(0, static_cast<int64_t>(example.ids.size()) - first);
}

LossSum loss_sum(CausalLM& model, const std::vector<const TrainingExample*>& batch, int64_t pad_token_id) {
  int64_t length = 0;
  for (const TrainingExample* example : batch) length = std::max<int64_t>(length, static_cast<int64_t>(example->ids.size()));
  const int64_t rows = static_cast<int64_t>(batch.size());
  torch::Tensor ids = torch::full({rows, length}, pad_token_id, torch::kInt64);
  torch::Tensor mask = torch::zeros({rows, length}, torch::kInt64);
  torch::Tensor labels = torch::full({rows, length}, -100, torch::kInt64);
  LossSum result;
  auto ids_data = ids.accessor<int64_t, 2>();
  auto mask_data = mask.accessor<int64_t, 2>();
  auto labels_data = labels.accessor<int64_t, 2>();
  for (int64_t row = 0; row < rows; ++row) {
    const TrainingExample& example = *batch[static_cast<std::size_t>(row)];
    for (std::size_t t = 0; t < example.ids.size(); ++t) {
      ids_data[row][static_cast<int64_t>(t)] = example.ids[t];
      mask_data[row][static_cast<int64_t>(t)] = 1;
      if (static_cast<int64_t>(t) >= example.loss_from) labels_data[row][static_cast<int64_t>(t)] = example.ids[t];
    }
    result.tokens += loss_tokens(example);
    result.positions += static_cast<int64_t>(example.ids.size());
  }
  const torch::Tensor logits = model.forward(ids, mask);
  const int64_t vocab = logits.size(-1);
  const torch::Tensor predicted = logits.narrow(1, 0, length - 1).reshape({-1, vocab});
  const torch::Tensor wanted = labels.narrow(1, 1, length - 1).reshape({-1}).to(logits.device());
  result.sum = torch::nn::functional::cross_entropy(
      predicted, wanted, torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100).reduction(torch::kSum));
  return result;
}

}  // namespace detail

double evaluate_loss(CausalLM& model, const std::vector<TrainingExample>& examples, int64_t micro_batch,
                     int64_t pad_token_id) {
  torch::NoGradGuard no_grad;
  const bool was_training = model.module().is_training();
  model.module().eval();
  double sum = 0;
  int64_t tokens = 0;
  for (std::size_t start = 0; start < examples.size(); start += static_cast<std::size_t>(micro_batch)) {
    std::vector<const TrainingExample*> batch;
    for (std::size_t i = start; i < examples.size() && i < start + static_cast<std::size_t>(micro_batch); ++i) {
      batch.push_back(&examples[i]);
    }
    const detail::LossSum part = detail::loss_sum(model, batch, pad_token_id);
    sum += part.sum.item<double>();
    tokens += part.tokens;
  }
  if (was_training) model.module().train();
  return tokens > 0 ? sum / static_cast<double>(tokens) : 0.0;
}

}  // namespace icma::model
