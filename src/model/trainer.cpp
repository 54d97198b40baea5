// The training loop, its checkpoints and its log (see training.hpp).

#include <ATen/CPUGeneratorImpl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "icma/core/atomic_directory.hpp"
#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/core/file_checksums.hpp"
#include "icma/core/output_ownership.hpp"
#include "icma/core/resume_check.hpp"
#include "icma/core/progress.hpp"
#include "icma/core/random.hpp"
#include "icma/model/trainer.hpp"
#include "icma/weights/state_dict.hpp"
#include "icma/weights/tensor_file.hpp"
#include "precision.hpp"
#include "training_batch.hpp"

namespace icma::model {
namespace {

namespace fs = std::filesystem;

// The generator dropout draws from: LibTorch's default one of the model's device.
at::Generator dropout_generator(torch::Device device) { return at::globalContext().defaultGenerator(device); }
std::string generator_key(torch::Device device) { return device.is_cuda() ? "cuda" : "cpu"; }

const char* schedule_name(Schedule schedule) {
  switch (schedule) {
    case Schedule::kCosine: return "cosine";
    case Schedule::kConstant: return "constant";
    case Schedule::kLinear: break;
  }
  return "linear";
}

// The settings a resumed run must share with the run it continues: each
// option that changes the result (see TrainingOptions::resume), and the
// caller's identity of its inputs.
nlohmann::json run_fingerprint(const TrainingOptions& options, std::size_t examples) {
  nlohmann::json fingerprint{{"examples", examples},
                             {"epochs", options.epochs},
                             {"max_steps", options.max_steps},
                             {"global_batch", options.global_batch},
                             {"learning_rate", options.learning_rate},
                             {"weight_decay", options.weight_decay},
                             {"adam", {options.adam_beta1, options.adam_beta2, options.adam_epsilon}},
                             {"warmup_steps", options.warmup_steps},
                             {"schedule", schedule_name(options.schedule)},
                             {"max_grad_norm", options.max_grad_norm},
                             {"seed", options.seed},
                             {"group_by_length", options.group_by_length},
                             {"pad_token_id", options.pad_token_id},
                             {"lora", options.lora.has_value()},
                             {"autocast_dtype", c10::toString(options.autocast_dtype)},
                             {"inputs", options.identity}};
  if (options.lora) {
    fingerprint["lora_r"] = options.lora->r;
    fingerprint["lora_alpha"] = options.lora->alpha;
    fingerprint["lora_dropout"] = options.lora->dropout;
    fingerprint["lora_targets"] = options.lora->target_modules;
    fingerprint["lora_rslora"] = options.lora->use_rslora;
  }
  return fingerprint;
}

// What an earlier run left in `out` that a new one would overwrite or mix
// with: its checkpoints and final weights.
std::vector<fs::path> earlier_run_files(const fs::path& out) {
  std::vector<fs::path> files;
  std::error_code error;
  if (!fs::is_directory(out, error)) return files;
  static const std::regex checkpoint("checkpoint-[0-9]+");
  for (const auto& entry : fs::directory_iterator(out, error)) {
    const std::string name = entry.path().filename().string();
    if (std::regex_match(name, checkpoint) || name == "adapter_model.safetensors" || name == "adapter_config.json" ||
        name == "model.safetensors" || name == "train_log.jsonl") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

double learning_rate_at(const TrainingOptions& options, int64_t step, int64_t total_steps) {
  // As transformers' schedules: LambdaLR factors of the number of steps taken.
  if (step < options.warmup_steps) {
    return options.learning_rate * static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, options.warmup_steps));
  }
  const double progress = static_cast<double>(step - options.warmup_steps) /
                          static_cast<double>(std::max<int64_t>(1, total_steps - options.warmup_steps));
  switch (options.schedule) {
    case Schedule::kConstant: return options.learning_rate;
    case Schedule::kCosine: return options.learning_rate * std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * progress)));
    case Schedule::kLinear: break;
  }
  return options.learning_rate * std::max(0.0, 1.0 - progress);
}

// The order of an epoch: a seeded permutation, optionally length-grouped.
std::vector<std::size_t> epoch_order(const std::vector<TrainingExample>& examples, const TrainingOptions& options,
                                     int64_t epoch) {
  std::vector<std::size_t> order(examples.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  Rng rng = Rng::for_stream(options.seed, static_cast<uint64_t>(epoch));
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  if (options.group_by_length) {
    const std::size_t batch = static_cast<std::size_t>(options.global_batch);
    const std::size_t run = batch * 50;
    for (std::size_t start = 0; start < order.size(); start += run) {
      const auto end = order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), start + run));
      std::stable_sort(order.begin() + static_cast<std::ptrdiff_t>(start), end, [&](std::size_t a, std::size_t b) {
        return examples[a].ids.size() > examples[b].ids.size();
      });
    }
    // Then the global batches themselves in a random order, so that the loss
    // does not rise and fall with the lengths inside each run of 50. The short
    // last batch stays last, where the step count expects it.
    const std::size_t full = order.size() / batch;
    std::vector<std::size_t> batches(full);
    for (std::size_t i = 0; i < full; ++i) batches[i] = i;
    for (std::size_t i = full; i > 1; --i) std::swap(batches[i - 1], batches[rng.below(i)]);
    std::vector<std::size_t> shuffled;
    shuffled.reserve(order.size());
    for (std::size_t b : batches) {
      shuffled.insert(shuffled.end(), order.begin() + static_cast<std::ptrdiff_t>(b * batch),
                      order.begin() + static_cast<std::ptrdiff_t>((b + 1) * batch));
    }
    shuffled.insert(shuffled.end(), order.begin() + static_cast<std::ptrdiff_t>(full * batch), order.end());
    order = std::move(shuffled);
  }
  return order;
}

std::vector<torch::Tensor> trainable_parameters(CausalLM& model) {
  std::vector<torch::Tensor> parameters;
  for (const auto& parameter : model.module().parameters()) {
    if (parameter.requires_grad()) parameters.push_back(parameter);
  }
  return parameters;
}

class Checkpoints {
 public:
  Checkpoints(CausalLM& model, const TrainingOptions& options) : model_(model), options_(options) {}

  fs::path path_of(int64_t step) const { return options_.out / ("checkpoint-" + std::to_string(step)); }

  // The newest complete checkpoint's step (one with its trainer_state.json), or 0.
  int64_t newest() const {
    int64_t best = 0;
    for (int64_t step : steps_on_disk()) {
      if (fs::exists(path_of(step) / "trainer_state.json")) best = std::max(best, step);
    }
    return best;
  }

  void save(int64_t step, torch::optim::Optimizer& optimizer, nlohmann::json state, const detail::LossScaler& scaler) {
    if (scaler.enabled()) state["loss_scaler"] = scaler.state();
    AtomicDirectory directory(path_of(step).string());
    const fs::path staging = directory.staging_path();
    save_weights(staging);
    torch::save(optimizer, (staging / "optimizer.pt").string());
    // The dropout generator, so that a resumed run draws the same masks.
    const torch::Device device = model_.device();
    const torch::Tensor rng_state = dropout_generator(device).get_state();
    weights::write_safetensors(staging / "rng_state.safetensors", {{generator_key(device), rng_state}});
    // Checked before a resume reads any of them (core/file_checksums.hpp).
    state["files"] = directory_checksums(staging.string(), "trainer_state.json");
    write_file_atomically((staging / "trainer_state.json").string(), state.dump(2) + "\n");
    directory.commit();
    prune(step);
  }

  nlohmann::json load(int64_t step, torch::optim::Optimizer& optimizer, detail::LossScaler& scaler) {
    const fs::path path = path_of(step);
    nlohmann::json state = nlohmann::json::parse(read_file((path / "trainer_state.json").string()));
    if (state.contains("files")) {  // checkpoints of older runs have none
      verify_directory_checksums(path.string(), state["files"], "trainer_state.json", false,
                                 "the checkpoint is damaged: delete " + path.string() +
                                     " to resume from an earlier one, or --restart");
    }
    if (options_.lora) {
      load_lora(model_, path);
    } else {
      weights::load_into(model_.module(), weights::read_safetensors(path / "model.safetensors"), (path / "model.safetensors").string());
    }
    const fs::path optimizer_file = path / "optimizer.pt";
    try {
      torch::load(optimizer, optimizer_file.string());
    } catch (const c10::Error& error) {
      // A damaged file: LibTorch's own message is a page of stack trace.
      throw InputError(optimizer_file.string(), 0,
                       "unreadable optimizer state (" + std::string(error.what_without_backtrace()).substr(0, 120) +
                           "); the checkpoint is damaged: --restart, or delete this checkpoint to resume from an "
                           "earlier one");
    }
    const fs::path rng_file = path / "rng_state.safetensors";
    const weights::TensorMap rng = weights::read_safetensors(rng_file);
    const torch::Device device = model_.device();
    const auto found = rng.find(generator_key(device));
    if (found == rng.end()) {
      throw InputError(rng_file.string(), 0, "holds no " + generator_key(device) + " generator: the run was on another device");
    }
    dropout_generator(device).set_state(found->second.clone());
    if (scaler.enabled() && state.contains("loss_scaler")) scaler.set_state(state["loss_scaler"].get<std::vector<double>>());
    return state;
  }

  void save_weights(const fs::path& dir) {
    if (options_.lora) {
      save_lora(model_, *options_.lora, dir, options_.base_model);
    } else {
      model_.save(dir);
    }
  }

 private:
  // Steps of the checkpoint-N directories in `out`, ascending.
  std::vector<int64_t> steps_on_disk() const {
    std::vector<int64_t> steps;
    if (!fs::exists(options_.out)) return steps;
    const std::regex pattern("checkpoint-([0-9]+)");
    for (const auto& entry : fs::directory_iterator(options_.out)) {
      std::smatch match;
      const std::string name = entry.path().filename().string();
      if (std::regex_match(name, match, pattern)) steps.push_back(std::stoll(match[1]));
    }
    std::sort(steps.begin(), steps.end());
    return steps;
  }

  void prune(int64_t newest_step) {
    if (options_.save_total_limit <= 0) return;
    std::vector<int64_t> steps = steps_on_disk();
    while (static_cast<int64_t>(steps.size()) > options_.save_total_limit) {
      if (steps.front() != newest_step) fs::remove_all(path_of(steps.front()));
      steps.erase(steps.begin());
    }
  }

  CausalLM& model_;
  const TrainingOptions& options_;
};

// train_log.jsonl: one JSON object per logged step or evaluation. A resumed
// run first drops the lines after its checkpoint, so the log reads as one run.
class TrainingLog {
 public:
  TrainingLog(const fs::path& path, int64_t keep_through_step, bool enabled) : enabled_(enabled) {
    if (!enabled_) return;
    std::string kept;
    if (keep_through_step > 0 && fs::exists(path)) {
      std::ifstream in(path);
      std::string line;
      while (std::getline(in, line)) {
        try {
          if (nlohmann::json::parse(line).value("step", int64_t{0}) <= keep_through_step) kept += line + "\n";
        } catch (const nlohmann::json::exception&) {
          // A line cut by the interruption: dropped.
        }
      }
    }
    write_file_atomically(path.string(), kept);
    out_.open(path, std::ios::app);
  }
  void write(const nlohmann::json& entry) {
    if (!enabled_) return;
    out_ << entry.dump() << "\n";
    out_.flush();
  }

 private:
  bool enabled_;
  std::ofstream out_;
};

}  // namespace

Schedule parse_schedule(const std::string& name) {
  if (name == "linear") return Schedule::kLinear;
  if (name == "cosine") return Schedule::kCosine;
  if (name == "constant") return Schedule::kConstant;
  throw InputError("--schedule must be linear, cosine or constant, not \"" + name + "\"");
}

TrainingResult train(CausalLM& model, const std::vector<TrainingExample>& train_set,
                     const std::vector<TrainingExample>& valid_set, const TrainingOptions& options,
                     DataParallel& parallel) {
  if (train_set.empty()) throw InputError("no training examples");
  // A token the embedding has no row for would stop LibTorch mid-run with a
  // page of stack trace; say which example and why, before anything starts.
  for (const auto* set : {&train_set, &valid_set}) {
    for (const TrainingExample& example : *set) {
      for (const int64_t id : example.ids) {
        if (id < 0 || id >= model.config().vocab_size) {
          throw InputError("example " + example.id + ": token id " + std::to_string(id) +
                           " is outside the model's vocabulary of " + std::to_string(model.config().vocab_size) +
                           " (is the tokenizer the model's?)");
        }
      }
    }
  }
  if (options.micro_batch <= 0 || options.global_batch <= 0) throw InputError("batch sizes must be positive");
  if (options.global_batch % parallel.world_size() != 0) {
    throw InputError("global batch " + std::to_string(options.global_batch) + " is not a multiple of the " +
                     std::to_string(parallel.world_size()) + " processes");
  }
  // An earlier run's directory (its log) may be continued or restarted; a
  // directory of other files is not ours to fill with checkpoints. Rank 0
  // writes the directory, so it alone checks (the others would see its files
  // appear).
  if (parallel.is_main()) {
    check_output_directory(options.out.string(), "a training run (train_log.jsonl)",
                           [](const std::string& dir) { return fs::exists(fs::path(dir) / "train_log.jsonl"); });
  }
  if (options.resume && options.restart) throw InputError("--resume and --restart exclude each other");
  if (parallel.is_main()) {
    const std::vector<fs::path> earlier = earlier_run_files(options.out);
    const bool has_weights = std::any_of(earlier.begin(), earlier.end(), [](const fs::path& path) {
      return path.filename() != "train_log.jsonl";
    });
    if (options.restart) {
      for (const fs::path& path : earlier) fs::remove_all(path);
      if (!earlier.empty()) spdlog::info("{}: earlier run removed (--restart)", options.out.string());
    } else if (!options.resume && has_weights) {
      throw InputError(options.out.string(), 0,
                       "holds an earlier training run (" + earlier.front().filename().string() +
                           "); --resume continues it, --restart starts over (deleting its checkpoints and "
                           "weights), or choose another --out");
    }
  }
  parallel.barrier();  // the other ranks start once rank 0 has cleared the way
  fs::create_directories(options.out);
  const int64_t examples = static_cast<int64_t>(train_set.size());
  const int64_t steps_per_epoch = (examples + options.global_batch - 1) / options.global_batch;
  const int64_t total_steps = options.max_steps > 0 ? options.max_steps : steps_per_epoch * options.epochs;

  std::vector<torch::Tensor> parameters = trainable_parameters(model);
  if (parameters.empty()) throw Error("the model has no trainable parameters");
  torch::optim::AdamW optimizer(parameters, torch::optim::AdamWOptions(options.learning_rate)
                                                .betas({options.adam_beta1, options.adam_beta2})
                                                .eps(options.adam_epsilon)
                                                .weight_decay(options.weight_decay));
  Checkpoints checkpoints(model, options);
  model.set_gradient_checkpointing(options.gradient_checkpointing);
  const torch::DeviceType device_type = model.device().type();
  detail::LossScaler scaler(options.autocast_dtype == torch::kFloat16);
  const nlohmann::json fingerprint = run_fingerprint(options, train_set.size());

  TrainingResult result;
  int64_t step = 0;
  if (options.resume) {
    step = checkpoints.newest();
    if (step > 0) {
      // The settings first: loading another run's weights could fail on
      // shapes before saying why.
      const fs::path state_file = checkpoints.path_of(step) / "trainer_state.json";
      nlohmann::json recorded;
      try {
        recorded = nlohmann::json::parse(read_file(state_file.string())).at("run");
      } catch (const nlohmann::json::exception& error) {
        throw InputError(state_file.string(), 0, std::string("unreadable checkpoint state: ") + error.what());
      }
      require_same_settings(recorded, fingerprint, state_file.string(),
                            "--restart starts over (deleting the earlier run), or choose another --out");
      checkpoints.load(step, optimizer, scaler);
      result.resumed_from = step;
      spdlog::info("resuming from {} (step {} of {})", checkpoints.path_of(step).string(), step, total_steps);
    }
  }
  if (step == 0) dropout_generator(model.device()).set_current_seed(options.seed);
  // Validation loss under the training's precision.
  const auto validation_loss = [&] {
    detail::AutocastScope autocast(device_type, options.autocast_dtype);
    return evaluate_loss(model, valid_set, options.micro_batch, options.pad_token_id);
  };

  TrainingLog log(options.out / "train_log.jsonl", step, parallel.is_main());
  if (step == 0 && !valid_set.empty() && parallel.is_main()) {
    result.first_eval_loss = validation_loss();
    log.write({{"step", 0}, {"eval_loss", *result.first_eval_loss}});
  }

  model.module().train();
  Progress progress("train", static_cast<std::size_t>(total_steps - step));
  std::vector<std::size_t> order;
  int64_t order_epoch = -1;
  int64_t steps_this_run = 0;
  const auto started = std::chrono::steady_clock::now();
  int64_t positions_seen = 0;
  while (step < total_steps) {
    const int64_t epoch = step / steps_per_epoch;
    if (epoch != order_epoch) {
      order = epoch_order(train_set, options, epoch);
      order_epoch = epoch;
    }
    const int64_t begin = (step % steps_per_epoch) * options.global_batch;
    const int64_t end = std::min<int64_t>(examples, begin + options.global_batch);
    int64_t global_tokens = 0;
    for (int64_t i = begin; i < end; ++i) global_tokens += detail::loss_tokens(train_set[order[static_cast<std::size_t>(i)]]);
    // This process's contiguous share of the global batch.
    const int64_t share = (end - begin + parallel.world_size() - 1) / parallel.world_size();
    const int64_t shard_begin = std::min<int64_t>(end, begin + share * parallel.rank());
    const int64_t shard_end = std::min<int64_t>(end, shard_begin + share);

    optimizer.zero_grad();
    double loss_total = 0;
    for (int64_t start = shard_begin; start < shard_end; start += options.micro_batch) {
      std::vector<const TrainingExample*> batch;
      for (int64_t i = start; i < std::min<int64_t>(shard_end, start + options.micro_batch); ++i) {
        batch.push_back(&train_set[order[static_cast<std::size_t>(i)]]);
      }
      detail::LossSum part;
      {
        detail::AutocastScope autocast(device_type, options.autocast_dtype);
        part = detail::loss_sum(model, batch, options.pad_token_id);
      }
      if (global_tokens > 0) {
        torch::Tensor mean = part.sum / static_cast<double>(global_tokens);
        if (scaler.enabled()) mean = mean * scaler.scale();
        mean.backward();
      }
      loss_total += part.sum.item<double>();
      positions_seen += part.positions;
    }
    std::vector<torch::Tensor> gradients;
    for (auto& parameter : parameters) {
      if (!parameter.grad().defined()) parameter.mutable_grad() = torch::zeros_like(parameter);
      gradients.push_back(parameter.grad());
    }
    torch::Tensor loss_tensor = torch::tensor({loss_total}, torch::kFloat64);
    parallel.all_reduce_sum(gradients);
    parallel.all_reduce_sum({loss_tensor});
    const double loss = global_tokens > 0 ? loss_tensor.item<double>() / static_cast<double>(global_tokens) : 0.0;
    double grad_norm = 0;
    const double lr = learning_rate_at(options, step, total_steps);
    // fp16: an overflowing step is skipped (and the loss scale halved), as GradScaler does.
    const bool finite = scaler.unscale_and_check(gradients);
    if (finite) {
      if (options.max_grad_norm > 0) grad_norm = torch::nn::utils::clip_grad_norm_(parameters, options.max_grad_norm);
      for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
      optimizer.step();
      scaler.update_after_step();
    } else {
      spdlog::warn("step {}: gradients overflowed in fp16; step skipped, loss scale now {}", step + 1, scaler.scale());
    }
    ++step;
    ++steps_this_run;
    result.last_loss = loss;
    progress.advance();

    if (options.log_steps > 0 && (step % options.log_steps == 0 || step == total_steps)) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      log.write({{"step", step},
                 {"epoch", static_cast<double>(step) / static_cast<double>(steps_per_epoch)},
                 {"loss", loss},
                 {"learning_rate", lr},
                 {"grad_norm", grad_norm},
                 {"elapsed_seconds", seconds},
                 {"tokens_per_second", seconds > 0 ? static_cast<double>(positions_seen) * parallel.world_size() / seconds : 0.0}});
    }
    const bool last = step == total_steps;
    if (!valid_set.empty() && parallel.is_main() && (last || (options.eval_steps > 0 && step % options.eval_steps == 0))) {
      const double eval_loss = validation_loss();
      log.write({{"step", step}, {"eval_loss", eval_loss}});
      if (last) result.final_eval_loss = eval_loss;
    }
    if (parallel.is_main() && (last || (options.save_steps > 0 && step % options.save_steps == 0))) {
      checkpoints.save(step, optimizer, {{"step", step}, {"total_steps", total_steps}, {"run", fingerprint}, {"loss", loss}},
                       scaler);
    }
    parallel.barrier();
    if (options.stop_after_steps > 0 && steps_this_run >= options.stop_after_steps && !last) {
      spdlog::warn("stopping after {} steps as asked (--stop-after)", steps_this_run);
      result.steps = step;
      return result;
    }
  }
  progress.finish();
  model.module().eval();
  if (parallel.is_main()) checkpoints.save_weights(options.out);
  result.steps = step;
  return result;
}

}  // namespace icma::model
