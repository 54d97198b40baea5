// Scoring given targets: the log-probability of each row's target, over the
// span training learns.

#include <algorithm>
#include <cstdio>

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/core/progress.hpp"
#include "icma/model/training_data.hpp"
#include "icma/translate/translate.hpp"

namespace icma::translate {

std::vector<model::TargetScore> score(const std::vector<prompt::PromptRecord>& rows, const std::string& file,
                                      model::CausalLM& model, const tokenizer::Tokenizer& tokenizer,
                                      std::size_t batch_size, unsigned threads) {
  if (batch_size == 0) throw InputError("--batch-size must be >= 1");
  std::vector<model::PromptTarget> pairs;
  pairs.reserve(rows.size());
  for (const prompt::PromptRecord& row : rows) pairs.push_back({row.id, row.prompt, row.target});
  const std::vector<model::TrainingExample> examples = model::tokenize_prompt_targets(pairs, tokenizer, threads);
  const int64_t context = model.config().max_position_embeddings;
  for (std::size_t i = 0; i < examples.size(); ++i) {
    if (context > 0 && static_cast<int64_t>(examples[i].ids.size()) > context) {
      throw InputError(file, rows[i].line,
                       "prompt + target has " + std::to_string(examples[i].ids.size()) +
                           " tokens, more than the model's context of " + std::to_string(context));
    }
  }

  std::vector<model::TargetScore> scores(examples.size());
  std::vector<std::size_t> order(examples.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return examples[a].ids.size() > examples[b].ids.size(); });
  Progress progress("scoring", examples.size());
  for (std::size_t begin = 0; begin < order.size(); begin += batch_size) {
    const std::size_t end = std::min(order.size(), begin + batch_size);
    std::vector<std::vector<int64_t>> sequences;
    std::vector<std::size_t> starts;
    for (std::size_t i = begin; i < end; ++i) {
      sequences.push_back(examples[order[i]].ids);
      starts.push_back(static_cast<std::size_t>(examples[order[i]].loss_from));
    }
    const auto batch = model::score_targets(model, sequences, starts);
    for (std::size_t i = begin; i < end; ++i) scores[order[i]] = batch[i - begin];
    progress.advance(end - begin);
  }
  return scores;
}

void write_scores(const std::string& path, const std::vector<prompt::PromptRecord>& rows,
                  const std::vector<model::TargetScore>& scores) {
  AtomicFile out(path);
  out.stream() << "id\tlogprob\tn_tokens\n";
  char number[64];
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::snprintf(number, sizeof number, "%.17g", scores.at(i).logprob);
    out.stream() << rows[i].id << '\t' << number << '\t' << scores[i].n_tokens << '\n';
  }
  out.commit();
}

}  // namespace icma::translate
