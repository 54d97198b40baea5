// icma-train: in-context molecule tuning. Fine-tunes a causal LM (a Hugging
// Face model directory) on prompt JSONL from icma-prompt, with LoRA (PEFT
// layout out) or on every weight (--full), resumably and data-parallel.
//
//   icma-train --model galactica-125m/ --train train.jsonl --valid valid.jsonl --out run/
//   icma-train ... --out run/ --resume                        continue run/ from its newest checkpoint
//   torchrun-style: RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 icma-train ... (one per rank)
//   icma-train merge --model galactica-125m/ --adapter run/ --out merged/
//   icma-train init --config configs/models/tiny-llama.json --out tiny/

#include <ATen/Parallel.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <iostream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "icma/core/app.hpp"
#include "icma/core/cli_checks.hpp"
#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/core/output_ownership.hpp"
#include "icma/core/sha256.hpp"
#include "icma/data/dataset.hpp"
#include "icma/tokenizer/tokenizer.hpp"
#include "icma/tokenizer/tokenizer_builder.hpp"
#include "icma/model/causal_lm.hpp"
#include "icma/model/config.hpp"
#include "icma/model/data_parallel.hpp"
#include "icma/model/lora.hpp"
#include "icma/model/run_identity.hpp"
#include "icma/model/trainer.hpp"
#include "icma/prompt/prompt_file.hpp"

namespace {

namespace fs = std::filesystem;

struct TrainFlags {
  std::string model;
  std::string train;
  std::string valid;
  std::string out;
  bool full = false;
  int64_t lora_r = 8;
  double lora_alpha = 16;
  double lora_dropout = 0.05;
  std::vector<std::string> lora_targets;
  int64_t cutoff_len = 1024;
  bool train_on_inputs = false;
  std::string schedule = "linear";
  std::string tokenizer;  // default: the model directory
  std::string device = "cpu";
  std::string dtype = "fp32";
  icma::model::TrainingOptions options;
};

// --device, with torchrun's LOCAL_RANK choosing the GPU of a plain "cuda".
torch::Device training_device(const std::string& name) {
  const char* local_rank = std::getenv("LOCAL_RANK");
  if (name == "cuda" && local_rank != nullptr && *local_rank != '\0') {
    return icma::model::parse_device("cuda:" + std::string(local_rank));
  }
  return icma::model::parse_device(name);
}

// A prompt file's rows as the (prompt, target) texts training learns from.
std::vector<icma::model::PromptTarget> prompt_targets(const std::string& path) {
  std::vector<icma::model::PromptTarget> rows;
  for (icma::prompt::PromptRecord& record : icma::prompt::read_prompt_file(path)) {
    rows.push_back({std::move(record.id), std::move(record.prompt), std::move(record.target)});
  }
  return rows;
}

int train(TrainFlags& flags, const icma::CommonOptions& common) {
  for (const auto& [value, name] : {std::pair{flags.model, "--model"}, {flags.train, "--train"}, {flags.out, "--out"}}) {
    if (value.empty()) throw icma::InputError(std::string(name) + " is required (see --help)");
  }
  at::set_num_threads(static_cast<int>(common.resolved_threads()));
  const torch::Device device = training_device(flags.device);
  // int8: the frozen base's linear weights in 8 bits (the official Mistral-7B
  // run's --int8, bitsandbytes' load_in_8bit), computed in fp16 on CUDA as that
  // run's --fp16 does, in fp32 on the CPU.
  const bool int8_base = flags.dtype == "int8";
  if (int8_base && flags.full) {
    throw icma::InputError("--dtype int8 keeps the frozen base in 8 bits, which cannot be trained: use it with LoRA "
                           "(without --full)");
  }
  const torch::Dtype dtype =
      int8_base ? (device.is_cuda() ? torch::kFloat16 : torch::kFloat32) : icma::model::parse_dtype(flags.dtype);
  auto parallel = icma::model::DataParallel::from_environment(device);
  // Rank 0 writes the run; the other ranks only check what it checks.
  icma::refuse_output_over_inputs(flags.out, {flags.model, flags.train, flags.valid, flags.tokenizer});
  std::optional<icma::OutputClaim> claim;
  if (parallel->is_main()) claim.emplace(std::vector<std::string>{flags.out}, std::vector<std::string>{});
  const icma::tokenizer::Tokenizer tokenizer =
      icma::tokenizer::Tokenizer::load(flags.tokenizer.empty() ? flags.model : flags.tokenizer);
  icma::model::TokenizeStats stats;
  const unsigned threads = common.resolved_threads();
  const auto train_set = icma::model::make_training_examples(prompt_targets(flags.train), flags.train, tokenizer,
                                                             flags.cutoff_len, flags.train_on_inputs, threads, &stats);
  std::vector<icma::model::TrainingExample> valid_set;
  if (!flags.valid.empty()) {
    valid_set = icma::model::make_training_examples(prompt_targets(flags.valid), flags.valid, tokenizer,
                                                    flags.cutoff_len, flags.train_on_inputs, threads, nullptr);
  }
  // LoRA: the frozen base in --dtype, the adapter in float32. Full
  // fine-tuning: float32 master weights, the forward pass autocast to --dtype.
  icma::model::LoadOptions load;
  load.device = device;
  load.dtype = flags.full ? torch::kFloat32 : dtype;
  load.int8_linear = int8_base;
  auto model = icma::model::CausalLM::load(flags.model, load);
  icma::model::TrainingOptions& options = flags.options;
  options.autocast_dtype = flags.full ? dtype : torch::kFloat32;
  options.out = flags.out;
  options.base_model = fs::absolute(flags.model).lexically_normal().string();
  // What --resume must find unchanged besides the options (trainer.hpp).
  options.identity = {{"train_data", icma::sha256_file_hex(flags.train)},
                      {"valid_data", flags.valid.empty() ? "" : icma::sha256_file_hex(flags.valid)},
                      {"base_model", icma::model::model_identity(flags.model)},
                      {"tokenizer",
                       icma::model::tokenizer_identity(flags.tokenizer.empty() ? flags.model : flags.tokenizer)},
                      {"cutoff_len", flags.cutoff_len},
                      {"train_on_inputs", flags.train_on_inputs},
                      {"dtype", flags.dtype},
                      {"full", flags.full}};
  options.seed = common.seed;
  options.schedule = icma::model::parse_schedule(flags.schedule);
  std::optional<int64_t> tokenizer_pad;
  if (tokenizer.special_tokens().pad) tokenizer_pad = *tokenizer.special_tokens().pad;
  options.pad_token_id = icma::model::pad_token_id_for(model->config(), tokenizer_pad, model->config().eos_token_ids);
  if (!flags.full) {
    icma::model::LoraConfig lora;
    lora.r = flags.lora_r;
    lora.alpha = flags.lora_alpha;
    lora.dropout = flags.lora_dropout;
    lora.target_modules = flags.lora_targets;
    const auto adapted = icma::model::attach_lora(*model, lora, common.seed);
    spdlog::info("LoRA r={} alpha={} on {} linear layers ({})", lora.r, lora.alpha, adapted.size(),
                 nlohmann::json(lora.target_modules).dump());
    options.lora = lora;
  }
  int64_t trainable = 0;
  for (const auto& parameter : model->module().parameters()) {
    if (parameter.requires_grad()) trainable += parameter.numel();
  }
  spdlog::info("{} training examples ({} cut to {} tokens), {} validation; {} trainable parameters of {}",
               train_set.size(), stats.truncated, flags.cutoff_len, valid_set.size(), trainable,
               model->config().num_parameters());
  const auto result = icma::model::train(*model, train_set, valid_set, options, *parallel);
  if (parallel->is_main() && flags.full && result.steps == (options.max_steps > 0 ? options.max_steps : result.steps)) {
    icma::tokenizer::copy_tokenizer_files(flags.model, flags.out);
  }
  nlohmann::json summary{{"steps", result.steps}, {"resumed_from", result.resumed_from}, {"last_loss", result.last_loss}};
  if (result.first_eval_loss) summary["first_eval_loss"] = *result.first_eval_loss;
  if (result.final_eval_loss) summary["final_eval_loss"] = *result.final_eval_loss;
  if (parallel->is_main()) std::cout << summary.dump() << "\n";
  return 0;
}

// A model directory may be written over another model directory (an earlier
// merge or init), never over a directory of other files.
void claim_model_directory(const std::string& out) {
  icma::check_output_directory(out, "a model directory (config.json)",
                               [](const std::string& dir) { return fs::exists(fs::path(dir) / "config.json"); });
}

int merge(const std::string& model_dir, const std::string& adapter, const std::string& out) {
  const icma::OutputClaim claim({out}, {model_dir, adapter});
  claim_model_directory(out);
  icma::model::LoadOptions options;
  options.adapter = adapter;
  const auto model = icma::model::CausalLM::load(model_dir, options);
  model->save(out);
  icma::tokenizer::copy_tokenizer_files(model_dir, out);
  spdlog::info("wrote {} (base {} + adapter {})", out, model_dir, adapter);
  return 0;
}

int init(const std::string& config_path, const std::string& out, const std::vector<std::string>& corpus_files,
         uint64_t seed) {
  std::vector<std::string> inputs = corpus_files;
  inputs.push_back(config_path);
  const icma::OutputClaim claim({out}, inputs);
  claim_model_directory(out);
  const icma::model::ModelConfig config = icma::model::ModelConfig::load(config_path);
  // The byte-level tokenizer: 256 byte tokens after the 4 special tokens,
  // then BPE merges learnt from the corpus's SMILES and captions.
  std::vector<std::string> texts;
  for (const std::string& file : corpus_files) {
    for (const auto& record : icma::data::read_dataset(file).records) {
      texts.push_back(record.smiles);
      texts.push_back(record.description);
    }
  }
  const icma::tokenizer::ByteLevelTokenizerFiles files = icma::tokenizer::byte_level_tokenizer_files(config.vocab_size, texts);
  const auto model = icma::model::CausalLM::random(config, seed);
  model->save(out);
  icma::write_file_atomically((fs::path(out) / "tokenizer.json").string(), files.tokenizer_json);
  icma::write_file_atomically((fs::path(out) / "tokenizer_config.json").string(), files.tokenizer_config_json);
  spdlog::info("wrote {}: a random {} model ({} parameters) with a byte-level tokenizer ({} texts learnt from)", out,
               config.model_type, config.num_parameters(), texts.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "icma-train: fine-tune a causal LM on ICMA prompts (JSONL from icma-prompt) with LoRA or fully.\n"
      "Loss on target tokens only; AdamW with warm-up and linear/cosine decay; gradient accumulation and clipping;\n"
      "checkpoints (atomic) every --save-steps and at the end; --resume continues bit-identically;\n"
      "data parallel when started torchrun-style (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT; NCCL on CUDA, Gloo on CPU).\n"
      "Output: a PEFT adapter (adapter_config.json, adapter_model.safetensors) or, with --full, a HF model directory.\n\n"
      "  icma-train --model MODEL_DIR --train train.jsonl --valid valid.jsonl --out run/ --epochs 10\n"
      "  icma-train merge --model MODEL_DIR --adapter run/ --out merged/\n"
      "  icma-train init --config configs/models/tiny-llama.json --out tiny/",
      "icma-train"};
  icma::CommonOptions common;
  icma::add_common_options(app, common);
  app.require_subcommand(0, 1);

  TrainFlags flags;
  auto& o = flags.options;
  app.add_option("--model", flags.model, "HF model directory (config.json, weights, tokenizer)");
  app.add_option("--train", flags.train, "training prompts (JSONL: id, prompt, target)");
  app.add_option("--valid", flags.valid, "validation prompts: loss before training, every --eval-steps and at the end");
  app.add_option("--out", flags.out, "output directory: adapter or model, checkpoint-N/, train_log.jsonl");
  app.add_flag("--full", flags.full, "fine-tune every weight instead of LoRA (the ICMA code does this for Galactica-125M)");
  app.add_option("--lora-r", flags.lora_r, "LoRA rank")->check(icma::cli::whole(1, 65536))->capture_default_str();
  app.add_option("--lora-alpha", flags.lora_alpha, "LoRA alpha (scale = alpha / r)")
      ->check(icma::cli::positive_real(1e6))
      ->capture_default_str();
  app.add_option("--lora-dropout", flags.lora_dropout, "dropout on LoRA's input")
      ->check(icma::cli::fraction())
      ->capture_default_str();
  app.add_option("--lora-target", flags.lora_targets,
                 "module names to adapt (repeatable; default: every linear layer but lm_head)");
  app.add_option("--epochs", o.epochs, "passes over the training prompts")
      ->check(icma::cli::whole(1, 1e6))
      ->capture_default_str();
  app.add_option("--max-steps", o.max_steps, "optimizer steps (overrides --epochs when > 0)")
      ->check(icma::cli::whole(0, 1e9))
      ->capture_default_str();
  app.add_option("--global-batch", o.global_batch, "examples per optimizer step, over all processes")
      ->check(icma::cli::whole(1, 1e6))
      ->capture_default_str();
  app.add_option("--micro-batch", o.micro_batch, "examples per forward pass (gradient accumulation makes up the rest)")
      ->check(icma::cli::whole(1, 1e6))
      ->capture_default_str();
  app.add_option("--lr", o.learning_rate, "peak learning rate")
      ->check(icma::cli::positive_real(10))
      ->capture_default_str();
  app.add_option("--weight-decay", o.weight_decay, "AdamW weight decay")
      ->check(icma::cli::real(0, 10))
      ->capture_default_str();
  app.add_option("--warmup-steps", o.warmup_steps, "linear warm-up steps")
      ->check(icma::cli::whole(0, 1e9))
      ->capture_default_str();
  app.add_option("--schedule", flags.schedule, "after warm-up: linear, cosine or constant")->capture_default_str();
  app.add_option("--max-grad-norm", o.max_grad_norm, "gradient clipping (0 = off)")
      ->check(icma::cli::real(0, 1e9))
      ->capture_default_str();
  app.add_option("--cutoff-len", flags.cutoff_len, "tokens kept per example (prompt + target)")
      ->check(icma::cli::whole(1, 1e7))
      ->capture_default_str();
  app.add_flag("--train-on-inputs", flags.train_on_inputs, "count prompt tokens in the loss too");
  app.add_flag("!--no-group-by-length", o.group_by_length, "plain shuffled order instead of length-grouped batches");
  app.add_option("--save-steps", o.save_steps, "checkpoint every N steps (0 = only at the end)")
      ->check(icma::cli::whole(0, 1e9))
      ->capture_default_str();
  app.add_option("--save-total-limit", o.save_total_limit, "checkpoints kept")
      ->check(icma::cli::whole(0, 1e6))
      ->capture_default_str();
  app.add_option("--eval-steps", o.eval_steps, "validation loss every N steps (0 = only at the end)")
      ->check(icma::cli::whole(0, 1e9))
      ->capture_default_str();
  app.add_option("--log-steps", o.log_steps, "train_log.jsonl line every N steps")
      ->check(icma::cli::whole(0, 1e9))
      ->capture_default_str();
  app.add_option("--tokenizer", flags.tokenizer, "tokenizer (directory or file); default: the model directory");
  app.add_option("--device", flags.device, "cpu, cuda or cuda:N (under torchrun, cuda means cuda:LOCAL_RANK)")
      ->capture_default_str();
  app.add_option("--dtype", flags.dtype,
                 "fp32, bf16, fp16 or int8: with LoRA the frozen base's dtype (the adapter stays fp32); with --full the "
                 "autocast dtype over fp32 master weights (fp16 adds dynamic loss scaling and needs CUDA). int8 (LoRA "
                 "only): linear weights but lm_head in 8 bits with a row absmax, as bitsandbytes' load_in_8bit, "
                 "dequantised to fp16 on CUDA, fp32 on CPU")
      ->capture_default_str();
  app.add_flag("--gradient-checkpointing", o.gradient_checkpointing,
               "recompute each decoder layer in backward instead of storing activations (less memory, ~1/3 more time)");
  auto* resume = app.add_flag("--resume", o.resume,
                              "continue from the newest checkpoint in --out (refused, naming the setting, when any "
                              "setting, the data, the base model or the tokenizer differs from the earlier run's)");
  app.add_flag("--restart", o.restart, "start over, deleting the earlier run's checkpoints and weights in --out")
      ->excludes(resume);
  app.add_option("--stop-after", o.stop_after_steps, "stop after N steps of this run, as an interruption would (testing)")
      ->check(icma::cli::whole(0, 1e9));

  std::string merge_model, merge_adapter, merge_out;
  CLI::App* merge_command = app.add_subcommand("merge", "fold a LoRA adapter into its base model -> HF model directory");
  merge_command->add_option("--model", merge_model, "base model directory")->required();
  merge_command->add_option("--adapter", merge_adapter, "PEFT adapter directory")->required();
  merge_command->add_option("--out", merge_out, "output model directory")->required();

  std::string init_config, init_out;
  std::vector<std::string> init_corpus;
  CLI::App* init_command = app.add_subcommand(
      "init", "a randomly initialised model with a byte-level tokenizer, for demos and CI (no download)");
  init_command->add_option("--config", init_config, "HF config.json (e.g. configs/models/tiny-llama.json)")->required();
  init_command->add_option("--out", init_out, "output model directory")->required();
  init_command->add_option("--corpus", init_corpus,
                           "dataset TSV(s) whose SMILES and captions the tokenizer learns BPE merges from, up to "
                           "vocab_size (default: bytes only)");

  return icma::run_app(app, common, argc, argv, [&] {
    if (*merge_command) return merge(merge_model, merge_adapter, merge_out);
    if (*init_command) return init(init_config, init_out, init_corpus, common.seed);
    return train(flags, common);
  });
}
