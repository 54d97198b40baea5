#pragma once
// In-context tuning: fine-tuning a CausalLM on training examples
// (training_data.hpp), with LoRA or on every weight, reproducibly and resumably.
//
// What one optimizer step is: a global batch of `global_batch` examples (the
// last of an epoch may be smaller) taken from the epoch's order; each
// process of a data-parallel group takes its contiguous share of it and runs
// it in micro-batches of `micro_batch`. The loss is the sum of the target
// tokens' cross-entropies over the whole global batch divided by the number
// of those tokens, so one process with batch B and N processes with B/N each
// compute the same gradient (up to float summation order).
//
// Epoch order: a permutation drawn from Rng::for_stream(seed, epoch); with
// length grouping, runs of 50 global batches are sorted longest first, so
// micro-batches pad little (as HF's group_by_length), and the global batches
// are then shuffled. Everything a step
// depends on is a function of (seed, step) or is saved in the checkpoint
// (weights, AdamW moments, the dropout generator), which is why --resume is
// bit-identical to an uninterrupted run.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "icma/model/causal_lm.hpp"
#include "icma/model/data_parallel.hpp"
#include "icma/model/lora.hpp"
#include "icma/model/training_data.hpp"

namespace icma::model {

enum class Schedule { kLinear, kCosine, kConstant };
// "linear", "cosine" or "constant"; InputError naming --schedule otherwise.
Schedule parse_schedule(const std::string& name);

struct TrainingOptions {
  std::filesystem::path out;        // checkpoints, log, final adapter/model
  std::string base_model;           // recorded in adapter_config.json
  std::optional<LoraConfig> lora;   // unset = full fine-tuning
  int64_t epochs = 1;
  int64_t max_steps = 0;            // > 0 overrides epochs
  int64_t global_batch = 32;
  int64_t micro_batch = 2;
  double learning_rate = 2e-4;
  double weight_decay = 0.0;
  double adam_beta1 = 0.9, adam_beta2 = 0.999, adam_epsilon = 1e-8;
  int64_t warmup_steps = 0;
  Schedule schedule = Schedule::kLinear;
  double max_grad_norm = 1.0;       // <= 0 disables clipping
  bool group_by_length = true;
  uint64_t seed = 42;
  int64_t save_steps = 0;           // 0 = only at the end
  int64_t save_total_limit = 2;     // checkpoints kept (the newest)
  int64_t eval_steps = 0;           // 0 = only at the end
  int64_t log_steps = 1;
  int64_t pad_token_id = 0;
  // Full fine-tuning in half precision: float32 master weights, the forward
  // pass under autocast to bf16, or to fp16 with dynamic loss scaling (CUDA).
  // LoRA takes its precision from the base model's dtype instead (frozen base
  // in bf16/fp16, adapter in float32); leave this float32 for it.
  torch::Dtype autocast_dtype = torch::kFloat32;
  bool gradient_checkpointing = false;  // recompute each decoder layer in backward
  // An `out` holding an earlier run (its checkpoints or final weights) is
  // continued from its newest checkpoint with `resume`, deleted first with
  // `restart`, and refused with neither. A resumed run must have the earlier
  // run's settings and `identity` (every option here that changes the
  // result, plus what the caller records: data and model hashes), else
  // InputError names the first that differs. Options that change only speed
  // or memory (micro_batch, gradient checkpointing, save/eval/log steps) may
  // change.
  bool resume = false;
  bool restart = false;
  nlohmann::json identity = nlohmann::json::object();
  // Stop (as if killed) after this many steps of this run: lets tests
  // interrupt a run at a chosen point. 0 = never.
  int64_t stop_after_steps = 0;
};

struct TrainingResult {
  int64_t steps = 0;          // optimizer steps done in all (resumed ones included)
  int64_t resumed_from = 0;   // 0 when started fresh
  double last_loss = 0;
  std::optional<double> first_eval_loss;  // before any step, when there is a validation set
  std::optional<double> final_eval_loss;
};

// Trains `model` in place. The caller has attached LoRA when options.lora is
// set. Writes <out>/checkpoint-<step>/, <out>/train_log.jsonl, and at the end
// the adapter (PEFT layout) or the full model into <out>.
TrainingResult train(CausalLM& model, const std::vector<TrainingExample>& train_set,
                     const std::vector<TrainingExample>& valid_set, const TrainingOptions& options,
                     DataParallel& parallel);

}  // namespace icma::model
