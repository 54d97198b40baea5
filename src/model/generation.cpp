// generate(): greedy search and sampling; beam search is in beam_search.cpp.

#include "icma/model/generation.hpp"

#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <string>

#include "beam_search.hpp"
#include "generation_state.hpp"
#include "icma/core/error.hpp"
#include "icma/core/random.hpp"
#include "logits_processors.hpp"

namespace icma::model {
namespace {

LogitsSettings logits_settings(const GenerationOptions& options) {
  LogitsSettings settings;
  settings.repetition_penalty = options.repetition_penalty;
  settings.sample = options.do_sample;
  settings.temperature = options.temperature;
  settings.top_k = options.top_k;
  settings.top_p = options.top_p;
  return settings;
}

// One row of the batch: its prompt's real tokens and what it generated.
struct Row {
  std::vector<int64_t> seen;
  Generated result;
  bool finished = false;
};

std::vector<Generated> greedy_or_sample(CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                                        const GenerationOptions& options, const GenerationPlan& plan) {
  const LogitsSettings settings = logits_settings(options);
  std::vector<Row> rows(prompts.size());
  std::vector<at::Generator> generators;
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    rows[i].seen = prompts[i];
    if (options.do_sample) {
      const uint64_t seed = options.row_seeds.empty() ? Rng::for_stream(options.seed, i).next() : options.row_seeds[i];
      generators.push_back(at::detail::createCPUGenerator(seed));
    }
  }
  std::vector<std::size_t> active(prompts.size());  // batch position -> row
  for (std::size_t i = 0; i < active.size(); ++i) active[i] = i;

  PaddedBatch batch = left_pad(prompts, plan.pad_token_id);
  const torch::Device device = model.device();
  DecodeState state(model, batch.input_ids.to(device), batch.attention_mask.to(device), options.use_cache);

  for (int64_t step = 0; step < options.max_new_tokens && !active.empty(); ++step) {
    const torch::Tensor logits = state.next_logits();
    TokenHistory seen;
    if (settings.repetition_penalty != 1.0) {
      for (std::size_t r : active) seen.push_back(rows[r].seen);
    }
    TokenHistory banned;
    if (options.token_filter) {
      for (std::size_t r : active) banned.push_back(options.token_filter(r, rows[r].result.tokens));
    }
    const torch::Tensor scores = process_logits(logits, seen, settings, banned);
    std::vector<int64_t> tokens(active.size());
    if (options.do_sample) {
      const torch::Tensor probs = scores.softmax(-1).to(torch::kCPU);
      for (std::size_t b = 0; b < active.size(); ++b) {
        tokens[b] = torch::multinomial(probs[static_cast<int64_t>(b)], 1, false, generators[active[b]]).item<int64_t>();
      }
    } else {
      const torch::Tensor best = scores.argmax(-1).to(torch::kCPU);
      for (std::size_t b = 0; b < active.size(); ++b) tokens[b] = best[static_cast<int64_t>(b)].item<int64_t>();
    }

    std::vector<int64_t> keep;
    std::vector<int64_t> kept_tokens;
    for (std::size_t b = 0; b < active.size(); ++b) {
      Row& row = rows[active[b]];
      row.result.tokens.push_back(tokens[b]);
      row.seen.push_back(tokens[b]);
      if (is_eos(options, tokens[b])) {
        row.result.finish = FinishReason::kEos;
        row.finished = true;
      } else if (hits_stop_string(options, row.result.tokens)) {
        row.result.finish = FinishReason::kStopString;
        row.finished = true;
      } else if (plan.context > 0 && static_cast<int64_t>(row.seen.size()) >= plan.context) {
        row.result.finish = FinishReason::kContextFull;
        row.finished = true;
      } else if (step + 1 == options.max_new_tokens) {
        row.result.finish = FinishReason::kMaxNewTokens;
        row.finished = true;
      }
      if (!row.finished) {
        keep.push_back(static_cast<int64_t>(b));
        kept_tokens.push_back(tokens[b]);
      }
    }
    if (keep.empty()) break;
    if (keep.size() < active.size()) {
      std::vector<std::size_t> still;
      for (int64_t b : keep) still.push_back(active[b]);
      active = std::move(still);
      state.select_rows(torch::tensor(keep, torch::kInt64));
    }
    state.append(torch::tensor(kept_tokens, torch::kInt64));
  }

  std::vector<Generated> results;
  results.reserve(rows.size());
  for (Row& row : rows) results.push_back(std::move(row.result));
  return results;
}

}  // namespace

const char* finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::kEos: return "eos";
    case FinishReason::kStopString: return "stop string";
    case FinishReason::kMaxNewTokens: return "max new tokens";
    case FinishReason::kContextFull: return "context full";
  }
  return "?";
}

void check_generation_options(const GenerationOptions& options) {
  if (options.max_new_tokens < 0) {
    throw InputError("max new tokens must be >= 0, got " + std::to_string(options.max_new_tokens));
  }
  check_logits_settings(logits_settings(options));
  if (options.num_beams < 1) throw InputError("number of beams must be >= 1, got " + std::to_string(options.num_beams));
  if (options.num_beams > 1 && options.do_sample) {
    throw InputError("beam search with sampling (HF's beam_sample) is not supported: use --num-beams or --do-sample");
  }
  if (!options.stop_strings.empty() && !options.decode) {
    throw InputError("stop strings need a tokenizer to decode the generated text");
  }
  for (const std::string& stop : options.stop_strings) {
    if (stop.empty()) throw InputError("a stop string is empty");
  }
  if (options.early_stopping == EarlyStopping::kNever && options.length_penalty > 0.0 && options.max_new_tokens < 1) {
    throw InputError("early stopping \"never\" with a positive length penalty needs max new tokens >= 1");
  }
}

PaddedBatch left_pad(const std::vector<std::vector<int64_t>>& rows, int64_t pad_token_id) {
  std::size_t longest = 0;
  for (const auto& row : rows) longest = std::max(longest, row.size());
  const auto batch = static_cast<int64_t>(rows.size());
  const auto length = static_cast<int64_t>(longest);
  torch::Tensor ids = torch::full({batch, length}, pad_token_id, torch::kInt64);
  torch::Tensor mask = torch::zeros({batch, length}, torch::kInt64);
  auto ids_a = ids.accessor<int64_t, 2>();
  auto mask_a = mask.accessor<int64_t, 2>();
  for (int64_t b = 0; b < batch; ++b) {
    const auto& row = rows[b];
    const int64_t offset = length - static_cast<int64_t>(row.size());
    for (std::size_t t = 0; t < row.size(); ++t) {
      ids_a[b][offset + static_cast<int64_t>(t)] = row[t];
      mask_a[b][offset + static_cast<int64_t>(t)] = 1;
    }
  }
  return {ids, mask};
}

torch::Tensor padded_tokens(const std::vector<Generated>& results, int64_t pad_token_id) {
  std::size_t longest = 0;
  for (const Generated& g : results) longest = std::max(longest, g.tokens.size());
  torch::Tensor out =
      torch::full({static_cast<int64_t>(results.size()), static_cast<int64_t>(longest)}, pad_token_id, torch::kInt64);
  auto a = out.accessor<int64_t, 2>();
  for (std::size_t b = 0; b < results.size(); ++b) {
    for (std::size_t t = 0; t < results[b].tokens.size(); ++t) {
      a[static_cast<int64_t>(b)][static_cast<int64_t>(t)] = results[b].tokens[t];
    }
  }
  return out;
}

std::vector<Generated> generate(CausalLM& model, const std::vector<std::vector<int64_t>>& prompts,
                                const GenerationOptions& options) {
  const GenerationPlan plan = plan_generation(model, prompts, options);
  if (!options.row_seeds.empty() && options.row_seeds.size() != prompts.size()) {
    throw InputError("row seeds: " + std::to_string(options.row_seeds.size()) + " given for " +
                     std::to_string(prompts.size()) + " prompts");
  }
  if (prompts.empty()) return {};
  if (options.max_new_tokens == 0) return std::vector<Generated>(prompts.size());
  if (options.num_beams > 1) return beam_search(model, prompts, options, plan);
  return greedy_or_sample(model, prompts, options, plan);
}

}  // namespace icma::model
