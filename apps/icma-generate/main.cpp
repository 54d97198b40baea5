// icma-generate: an LLM's answers to prompts, written as MolT5 prediction
// files that icma-eval scores directly; and `score`, the log-probability of
// given targets. Flags in, one library call out: the prompts come from
// prompt/ (and incontext/ for --index), the answers from translate/.
//
//   icma-generate --model DIR --prompts test.jsonl --out pred.tsv          prompts from icma-prompt
//   icma-generate --model DIR --smiles mols.txt --out captions.tsv         zero-shot Mol2Cap
//   icma-generate --model DIR --captions caps.txt --index idx --out mols.tsv   ICMA in-context Cap2Mol
//   icma-generate score --model DIR --prompts candidates.jsonl --out scores.tsv

#include <map>
#include <optional>

#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "icma/core/app.hpp"
#include "icma/core/cli_checks.hpp"
#include "icma/core/error.hpp"
#include "icma/core/output_ownership.hpp"
#include "icma/core/resume_check.hpp"
#include "icma/data/dataset.hpp"
#include "icma/prompt/assemble.hpp"
#include "icma/prompt/prompt_file.hpp"
#include "icma/model/run_identity.hpp"
#include "icma/translate/translate.hpp"
#ifdef ICMA_WITH_CHEMISTRY
#include "icma/incontext/incontext.hpp"
#endif

namespace {

using icma::InputError;

// Where the prompts and the model come from.
struct Inputs {
  std::string model, adapter, tokenizer, dtype = "fp32", device = "cpu", out;
  std::string prompts, smiles, captions;                       // exactly one
  std::string index, method, gnn, sentence, template_file, save_prompts;  // plain inputs
  std::size_t n_shot = 0;                                      // 0 = the task's default
  std::size_t cutoff_len = 0;
  bool allow_stale = false, wrap_smiles = false;
};

const std::map<std::string, icma::model::EarlyStopping> kEarlyStopping = {
    {"heuristic", icma::model::EarlyStopping::kHeuristic}, {"false", icma::model::EarlyStopping::kHeuristic},
    {"first", icma::model::EarlyStopping::kFirst},         {"true", icma::model::EarlyStopping::kFirst},
    {"never", icma::model::EarlyStopping::kNever}};

// Every path the run reads, which its outputs must not overwrite.
std::vector<std::string> inputs_of(const Inputs& in) {
  return {in.model, in.adapter, in.tokenizer, in.prompts, in.smiles, in.captions, in.index, in.gnn, in.sentence,
          in.template_file};
}

icma::tokenizer::Tokenizer load_tokenizer(const Inputs& in) {
  return icma::tokenizer::Tokenizer::load(in.tokenizer.empty() ? in.model : in.tokenizer);
}

// As icma-prompt's default (a tokenizer without an EOS token, as Galactica's
// tokenizer.json, gets "</s>"): the ground truth loses exactly what
// icma-prompt appended to the target.
std::string eos_text(const icma::tokenizer::Tokenizer& tokenizer) { return icma::prompt::default_eos_text(&tokenizer); }

// Plain inputs become prompts as icma-prompt makes them: zero-shot, or with
// the top --n-shot examples retrieved from --index (incontext/).
std::vector<icma::prompt::PromptRecord> prompts_for_plain_inputs(const Inputs& in,
                                                                 const icma::prompt::PromptTemplates& templates,
                                                                 const icma::tokenizer::Tokenizer& tokenizer,
                                                                 const icma::CommonOptions& common) {
  const bool smiles = !in.smiles.empty();
  const icma::data::Dataset queries = icma::data::read_plain_queries(smiles ? in.smiles : in.captions, smiles);
  if (queries.records.empty()) throw InputError(queries.path, 0, "no inputs");
  icma::prompt::AssembleOptions options;
  options.plan.task = smiles ? icma::data::Task::mol2cap : icma::data::Task::cap2mol;
  options.plan.n_shot = in.index.empty() ? 0 : in.n_shot > 0 ? in.n_shot : (smiles ? 2 : 4);
  options.render.task = options.plan.task;
  options.render.eos_text = eos_text(tokenizer);
  options.cutoff_len = in.cutoff_len;
  options.tokenizer = &tokenizer;
  options.threads = common.resolved_threads();
  icma::prompt::AssembledPrompts prompts;
  if (in.index.empty()) {
    prompts = icma::prompt::assemble_prompts(templates, queries, nullptr, nullptr, "", options);
  } else {
#ifdef ICMA_WITH_CHEMISTRY
    const icma::incontext::ExampleSource source{in.index, in.method, in.gnn, in.sentence, in.device, in.allow_stale};
    prompts = icma::incontext::prompts_with_examples(queries, source, templates, options, common.seed);
#else
    throw InputError("--index needs the chemistry modules, which this icma was built without (-DICMA_CHEMISTRY=OFF)");
#endif
  }
  for (auto& record : prompts.records) record.target.clear();  // plain inputs have no ground truth
  return prompts.records;
}

int run_generate(const Inputs& in, icma::translate::TranslateOptions& options, const icma::CommonOptions& common) {
  if (!in.prompts.empty() + !in.smiles.empty() + !in.captions.empty() != 1) {
    throw InputError("give exactly one of --prompts, --smiles, --captions");
  }
  if (in.model.empty() || in.out.empty()) throw InputError("--model and --out are required");
  std::vector<std::string> inputs = inputs_of(in);
  inputs.push_back(in.out + ".partial");  // this run's own resumable rows; not a place for --save-prompts
  const icma::OutputClaim claim({in.out, in.save_prompts}, inputs);
  if (!in.prompts.empty() && !in.index.empty()) {
    throw InputError("--index builds prompts for --smiles/--captions; --prompts files already hold theirs");
  }
  options.threads = common.resolved_threads();
  torch::set_num_threads(static_cast<int>(options.threads));
  options.generation.seed = common.seed;
  options.generation.decode = [](const std::vector<int64_t>&) { return std::string(); };  // set by translate()
  icma::model::check_generation_options(options.generation);
  const icma::model::LoadOptions load = icma::model::load_options(in.dtype, in.device, in.adapter);

  // Inputs and prompts, all checked before the model loads.
  const std::string template_path =
      in.template_file.empty() ? icma::prompt::PromptTemplates::default_path() : in.template_file;
  icma::prompt::PromptTemplates templates = icma::prompt::PromptTemplates::load(template_path);
  if (in.wrap_smiles) templates.set_wrap_smiles(true);
  const icma::tokenizer::Tokenizer tokenizer = load_tokenizer(in);
  const std::string source = !in.prompts.empty() ? in.prompts : !in.smiles.empty() ? in.smiles : in.captions;
  const std::vector<icma::prompt::PromptRecord> records =
      !in.prompts.empty() ? icma::prompt::read_prompt_file(in.prompts, {false, true, false})
                          : prompts_for_plain_inputs(in, templates, tokenizer, common);
  if (records.empty()) throw InputError(source, 0, "no inputs");
  if (!in.save_prompts.empty()) icma::prompt::write_prompt_file(in.save_prompts, records);
  const auto queries = icma::translate::queries_from_prompts(records, source, templates, eos_text(tokenizer));
  // What --resume must find unchanged besides the decoding options and the
  // prompts (translate.hpp).
  options.identity = {{"model", icma::model::model_identity(in.model)},
                      {"adapter", in.adapter.empty() ? nlohmann::json() : icma::model::adapter_identity(in.adapter)},
                      {"tokenizer", icma::model::tokenizer_identity(in.tokenizer.empty() ? in.model : in.tokenizer)},
                      {"templates", icma::file_identities(template_path, {})},
                      {"wrap_smiles", in.wrap_smiles},
                      {"dtype", in.dtype}};
  icma::translate::translate(queries, records.front().task, in.model, load, tokenizer, templates, options, in.out);
  return 0;
}

int run_score(const Inputs& in, std::size_t batch_size, const icma::CommonOptions& common) {
  if (in.model.empty() || in.prompts.empty() || in.out.empty()) throw InputError("--model, --prompts and --out are required");
  const icma::OutputClaim claim({in.out}, inputs_of(in));
  const unsigned threads = common.resolved_threads();
  torch::set_num_threads(static_cast<int>(threads));
  const auto rows = icma::prompt::read_prompt_file(in.prompts, {false, false, true});
  const icma::tokenizer::Tokenizer tokenizer = load_tokenizer(in);
  const auto model = icma::model::CausalLM::load(in.model, icma::model::load_options(in.dtype, in.device, in.adapter));
  const auto scores = icma::translate::score(rows, in.prompts, *model, tokenizer, batch_size, threads);
  icma::translate::write_scores(in.out, rows, scores);
  spdlog::info("wrote {} scores to {}", rows.size(), in.out);
  return 0;
}

void add_model_options(CLI::App& app, Inputs& in, std::size_t& batch_size) {
  app.add_option("--model", in.model, "Hugging Face model directory (config.json + weights)");
  app.add_option("--adapter", in.adapter, "PEFT LoRA adapter directory, merged into the model at load");
  app.add_option("--tokenizer", in.tokenizer, "tokenizer (directory or file); default: the model directory");
  app.add_option("--prompts", in.prompts, "JSONL prompts (icma-prompt's output)");
  app.add_option("--out", in.out, "output file");
  app.add_option("--batch-size", batch_size, "prompts per forward pass")
      ->check(icma::cli::whole(1, 1e5))
      ->capture_default_str();
  app.add_option("--dtype", in.dtype, "compute dtype: fp32, fp16 or bf16 (fp32 on CPU)")->capture_default_str();
  app.add_option("--device", in.device, "cpu, cuda or cuda:N")->capture_default_str();
}

const char* kFooter =
    "Examples:\n"
    "  icma-generate --model models/galactica-125m --adapter runs/m2c --prompts test.m2c.jsonl --out pred.tsv\n"
    "  icma-generate --model DIR --captions caps.txt --index idx --n-shot 4 --out mols.tsv --num-beams 4\n"
    "  icma-generate --model DIR --prompts test.jsonl --out pred.tsv --do-sample --temperature 0.7 --top-p 0.85 \\\n"
    "      --top-k 40 --seed 1        (the ICMA code's sampling settings)\n"
    "  icma-generate score --model DIR --prompts candidates.jsonl --out scores.tsv\n"
    "Prompts: JSONL rows {\"id\",\"task\",\"prompt\"[,\"target\",\"input\"]}; one task per file. The predictions'\n"
    "first column is \"input\" if given, else read from the prompt's last line with the template; the ground\n"
    "truth is the target without its cue and EOS; the output is the generated text after the cue\n"
    "(\"Caption:\"/\"Molecule:\"), its first non-empty line, trimmed; in it each control character (tab, CR,\n"
    "NUL, ...; U+0080-U+009F, U+2028, U+2029) becomes a space and each invalid UTF-8 byte U+FFFD, so any\n"
    "text the model emits fits the predictions file (rows read back from OUT.partial too).\n"
    "Plain inputs (--smiles/--captions, one per line) get prompts as icma-prompt makes them: zero-shot, or\n"
    "with --index the top --n-shot examples (default 2 mol2cap, 4 cap2mol) retrieved as icma-retrieve does\n"
    "(--method: bm25 for captions, morgan for SMILES by default; gnn with an index built with --gnn, sentence\n"
    "for captions with one built with --sentence), most\n"
    "similar last, within --cutoff-len tokens when given. --save-prompts shows them.\n"
    "Templates: --template FILE (default $ICMA_CONFIG_DIR/prompts/icma.json, else the source tree's).\n"
    "Decoding follows Hugging Face generate: greedy by default; --do-sample with temperature, top-k (HF's\n"
    "default 50; 0 = off) and top-p; --repetition-penalty; --num-beams with --length-penalty and\n"
    "--early-stopping. Rows end at EOS, a --stop string, or --max-new-tokens. Each row samples from its own\n"
    "seed stream (--seed, row number), so batch size and --resume do not change the samples.\n"
    "Context: a prompt longer than the model's max_position_embeddings is an error (exit 2, with file:line);\n"
    "--truncate-prompts-over N cuts longer prompts first, as the official ICMA inference does (with\n"
    "--strip-prompts --truncate-prompts-over 1024 --keep-tokens 768: its settings one prompt at a time).\n"
    "a row whose prompt + answer fills the context stops there, with a warning.\n"
    "Resuming: finished rows are appended to OUT.partial (flushed after each batch); OUT is written\n"
    "atomically at the end and OUT.partial removed. After an interruption, --resume skips the rows in\n"
    "OUT.partial (an incomplete last line is dropped), if it was made with the same settings, prompts,\n"
    "model, adapter, tokenizer and templates (else exit 2 naming the first that differs); --restart\n"
    "discards it; with neither, an existing OUT.partial is an error. --resume on a complete OUT checks\n"
    "that its inputs and ground truths are the prompts' and does nothing.\n"
    "score: per JSONL row id<TAB>logprob<TAB>n_tokens: the float64 sum of the float32 log-softmax of the\n"
    "target's tokens, with training's target span (ids = encode(prompt + target) with special tokens; the\n"
    "target follows the first len(encode(prompt.strip())) ids), printed with 17 significant digits.\n"
    "Exit codes: 0 done, 1 failure, 2 bad input or flags.";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Answer prompts with a causal LLM (Hugging Face model directory, optional PEFT LoRA adapter) and write\n"
      "MolT5-format predictions (SMILES|description<TAB>ground truth<TAB>output) for icma-eval.",
      "icma-generate"};
  app.footer(kFooter);
  icma::CommonOptions common;
  icma::add_common_options(app, common);
  Inputs in;
  icma::translate::TranslateOptions options;
  icma::model::GenerationOptions& g = options.generation;
  std::string truncation_side = "left";
  std::string constraint = "none";
  add_model_options(app, in, options.batch_size);
  app.add_option("--smiles", in.smiles, "plain file, one SMILES per line: write captions (mol2cap)");
  app.add_option("--captions", in.captions, "plain file, one caption per line: write molecules (cap2mol)");
  app.add_option("--index", in.index, "with --smiles/--captions: index directory (icma-index) to draw examples from");
  app.add_option("--n-shot", in.n_shot, "with --index: examples per prompt (default 2 mol2cap, 4 cap2mol)")
      ->check(icma::cli::whole(1, 1000));
  app.add_option("--method", in.method, "with --index: bm25, morgan, rdk, maccs, gnn, sentence or random");
  app.add_option("--gnn", in.gnn, "with --method gnn: the index's GIN weights, when its own file has moved");
  app.add_option("--sentence", in.sentence,
                 "with --method sentence: the index's sentence-transformers directory, when it has moved");
  app.add_flag("--allow-stale", in.allow_stale, "with --index: use it even if its corpus changed");
  app.add_option("--cutoff-len", in.cutoff_len, "with --smiles/--captions: token budget of each prompt (0 = none)")
      ->check(icma::cli::whole(0, 1e7));
  app.add_option("--template", in.template_file, "prompt template file (JSON)");
  app.add_flag("--wrap-smiles", in.wrap_smiles, "write SMILES as [START_I_SMILES]...[END_I_SMILES] (Galactica)");
  app.add_option("--save-prompts", in.save_prompts, "also write the prompts as JSONL (to see what the model is asked)");
  app.add_flag("--strip-prompts", options.strip_prompts,
               "tokenise each prompt without its leading and trailing whitespace (str.strip(), as the official "
               "ICMA inference does)");
  auto* truncate_over = app.add_option("--truncate-prompts-over", options.truncate_over,
                                       "prompts of more tokens are cut to --keep-tokens (the official ICMA "
                                       "inference, over its cutoff C: the last C - 256); 0 = never")
                            ->check(icma::cli::whole(0, 1e7))
                            ->capture_default_str();
  app.add_option("--keep-tokens", options.keep_tokens,
                 "tokens a prompt cut by --truncate-prompts-over keeps (default: that limit)")
      ->needs(truncate_over)
      ->check(icma::cli::whole(1, 1e7));
  app.add_option("--truncation-side", truncation_side,
                 "with --truncate-prompts-over: left cuts the start and keeps the end, the question (the official "
                 "code one prompt at a time); right keeps the start (its --batch_infer: the tokenizer's truncation)")
      ->needs(truncate_over)
      ->check(CLI::IsMember({"left", "right"}))
      ->capture_default_str();
  auto* resume = app.add_flag("--resume", options.resume,
                              "continue an interrupted run from OUT.partial (refused, naming the setting, when the "
                              "decoding options, prompts, model, adapter, tokenizer or templates differ)");
  app.add_flag("--restart", options.restart, "discard OUT.partial of an interrupted run and generate every row again")
      ->excludes(resume);
  app.add_option("--stop-after", options.stop_after_rows,
                 "stop after N rows of this run, as an interruption would, keeping OUT.partial (testing)")
                     ->check(icma::cli::whole(0, 1e9));
  app.add_option("--max-new-tokens", g.max_new_tokens, "tokens generated per prompt at most")
      ->check(icma::cli::whole(0, 1e6))
      ->capture_default_str();
  app.add_flag("--do-sample", g.do_sample, "sample instead of greedy search");
  app.add_option("--temperature", g.temperature, "sampling temperature")
      ->check(icma::cli::positive_real(1e6))
      ->capture_default_str();
  app.add_option("--top-k", g.top_k, "sampling: keep the k most likely tokens (0 = off)")
      ->check(icma::cli::whole(0, 1e9))
      ->capture_default_str();
  app.add_option("--top-p", g.top_p, "sampling: nucleus probability (1 = off)")
      ->check(icma::cli::real(0, 1, true))
      ->capture_default_str();
  app.add_option("--repetition-penalty", g.repetition_penalty, "HF's repetition penalty (1 = off)")
      ->check(icma::cli::positive_real(1e6))
      ->capture_default_str();
  app.add_option("--num-beams", g.num_beams, "beam search with this many beams (1 = off)")
      ->check(icma::cli::whole(1, 1000))
      ->capture_default_str();
  app.add_option("--length-penalty", g.length_penalty, "beam search: score = logprob / length^this")
      ->check(icma::cli::real(-1e6, 1e6))
      ->capture_default_str();
  app.add_option("--early-stopping", g.early_stopping, "beam search: heuristic (HF False), first (True) or never")
      ->transform(CLI::CheckedTransformer(kEarlyStopping))
      ->default_str("heuristic");
  app.add_option("--stop", g.stop_strings, "stop a row when its text contains this string (repeatable); cut there");
  app.add_option("--constrain", constraint,
                 "cap2mol: 'smiles' bans tokens that would leave the SMILES unparseable: a ')' without an open "
                 "'(', an end (EOS, newline, space) while a branch, ring bond or bracket atom is open or after a "
                 "bond; valence is still the model's (none = off)")
      ->check(CLI::IsMember({"none", "smiles"}))
      ->capture_default_str();
  app.add_flag("--no-cache{false}", g.use_cache, "recompute the whole sequence each step (slow; for checking)");

  Inputs score_in;
  std::size_t score_batch = 8;
  CLI::App* score = app.add_subcommand("score", "log-probability of each row's target given its prompt");
  add_model_options(*score, score_in, score_batch);

  return icma::run_app(app, common, argc, argv, [&] {
    options.keep_end = truncation_side == "left";
    options.smiles_constraint = constraint == "smiles";
    return score->parsed() ? run_score(score_in, score_batch, common) : run_generate(in, options, common);
  });
}
