// icma-prompt: training and inference prompts with in-context examples, as
// the official ICMA code builds them: for every dataset row, its ranked
// neighbours (an ICMA neighbour file from icma-retrieve or from the official
// code) looked up in the corpus and written into the prompt templates, the
// most similar example last. One JSONL row per dataset row.
//
//   icma-prompt --task mol2cap --dataset test.txt --corpus train.txt --neighbours test.morgan.tsv --out test.jsonl

#include <fstream>
#include <optional>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "icma/core/app.hpp"
#include "icma/core/cli_checks.hpp"
#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/core/output_ownership.hpp"
#include "icma/tokenizer/tokenizer.hpp"
#include "icma/prompt/assemble.hpp"
#include "icma/prompt/prompt_file.hpp"
#include "icma/prompt/retrieval_only.hpp"

namespace {

struct PromptFlags {
  std::string task, dataset, corpus, neighbours, out, template_path, tokenizer, eos, stats;
  std::size_t n_shot = 2;
  std::size_t skip = 0;
  std::size_t cutoff_len = 0;
  bool wrap_smiles = false, no_reverse = false, zero_shot = false, retrieval_only = false;
  std::string missing = "fail", short_lists = "use", bad_rows = "fail";
};

// --eos, else the tokenizer's EOS token, else "</s>" (the official code's --add_eos default).
std::string eos_text(const PromptFlags& flags, bool eos_given, const icma::tokenizer::Tokenizer* tokenizer) {
  return eos_given ? flags.eos : icma::prompt::default_eos_text(tokenizer);
}

// In-context prompts where no query got a single example are a selection that
// keeps nothing (--skip past every neighbour list, neighbours of another
// dataset): zero-shot prompts under an in-context name. Refused.
void require_some_example(const icma::prompt::PlanCounts& counts, const PromptFlags& flags) {
  if (counts.planned == 0 || counts.examples > 0) return;
  throw icma::InputError(flags.neighbours, 0,
                         "no query kept any example (--skip " + std::to_string(flags.skip) +
                             "; are the neighbour lists that short, or of another dataset?); use --zero-shot for "
                             "prompts without examples");
}

const char* kDescription =
    "Build ICMA prompts: for each row of --dataset (the queries), its first --n-shot neighbours from\n"
    "--neighbours, looked up in --corpus and written into the templates (--template), most similar\n"
    "example last (sequence reversal). Writes JSONL rows\n"
    "  {\"id\",\"task\",\"prompt\",\"target\",\"examples\":[ids in prompt order],\"input\"}\n"
    "in dataset order; the training text is prompt + target, and the target ends with the EOS text.";

const char* kFooter =
    "Examples:\n"
    "  icma-retrieve --index idx --queries data/chebi20/test.txt --task mol2cap --method morgan --k 10 --out test.nb\n"
    "  icma-prompt --task mol2cap --dataset data/chebi20/test.txt --corpus data/chebi20/train.txt \\\n"
    "      --neighbours test.nb --n-shot 2 --wrap-smiles --out test.m2c.jsonl\n"
    "      2-shot Mol2Cap prompts with Galactica's [START_I_SMILES] markers\n"
    "  icma-prompt --task cap2mol --dataset train.txt --corpus train.txt --neighbours train.bm25 --skip 1 \\\n"
    "      --cutoff-len 1024 --tokenizer models/galactica-125m --stats train.stats.json --out train.c2m.jsonl\n"
    "      training prompts that fit 1024 tokens; --skip 1 drops the top hit (the query itself), as the\n"
    "      official code's start_pos does for cap2mol training\n"
    "  icma-prompt --task cap2mol --dataset test.txt --zero-shot --out test.zero.jsonl\n"
    "  icma-prompt --task mol2cap --dataset test.txt --corpus train.txt --neighbours test.nb --retrieval-only \\\n"
    "      --out retrieval_only.tsv\n"
    "      the retrieval-only baseline: each query answered with its top neighbour's caption (a MolT5\n"
    "      predictions file for icma-eval; --skip applies, the template and budget do not)\n"
    "Neighbour files: query_id<TAB>neighbour_id<TAB>score, ranked, no header (icma-retrieve's output and the\n"
    "official code's data/*/raw/*_10_shot_*.txt files alike); neighbours are matched to queries by id.\n"
    "EOS text: --eos, else the --tokenizer's EOS token, else \"</s>\" (the official --add_eos default);\n"
    "--eos '' appends none.\n"
    "Token budget (--cutoff-len with --tokenizer): when prompt + target has more tokens (BOS included),\n"
    "examples are dropped from the least similar end one at a time; with none left, the query's text in\n"
    "the prompt (SMILES for mol2cap, caption for cap2mol) is cut at a token boundary to fit. The target\n"
    "is never cut; rows whose target alone is too long are written zero-shot and counted.\n"
    "Exit codes: 0 done, 1 failure, 2 bad input or flags (with file:line).";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{kDescription, "icma-prompt"};
  app.footer(kFooter);
  icma::CommonOptions common;
  icma::add_common_options(app, common);
  PromptFlags flags;
  app.add_option("--task", flags.task, "mol2cap (query: SMILES) or cap2mol (query: caption)")
      ->required()
      ->check(CLI::IsMember({"mol2cap", "cap2mol"}));
  app.add_option("--dataset", flags.dataset, "queries: TSV CID<TAB>SMILES<TAB>description")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--corpus", flags.corpus, "the TSV the neighbours were retrieved from (the training set)")
      ->check(CLI::ExistingFile);
  app.add_option("--neighbours", flags.neighbours, "neighbour file: query_id<TAB>neighbour_id<TAB>score, ranked")
      ->check(CLI::ExistingFile);
  app.add_option("--out", flags.out, "JSONL file to write")->required();
  auto* n_shot = app.add_option("--n-shot", flags.n_shot, "examples per prompt")
                    ->check(icma::cli::whole(0, 1000))
                    ->capture_default_str();
  app.add_flag("--zero-shot", flags.zero_shot, "no examples: the zero-shot templates (same as --n-shot 0)")
      ->excludes(n_shot);
  app.add_option("--skip", flags.skip, "skip this many of each query's best neighbours first")
      ->check(icma::cli::whole(0, 1e6))
      ->capture_default_str();
  app.add_option("--template", flags.template_path,
                 "template file (default: $ICMA_CONFIG_DIR/prompts/icma.json, else configs/prompts/icma.json)");
  app.add_flag("--wrap-smiles", flags.wrap_smiles, "write SMILES as [START_I_SMILES]...[END_I_SMILES] (Galactica)");
  app.add_flag("--no-reverse", flags.no_reverse, "keep rank order: most similar example first");
  auto* cutoff = app.add_option("--cutoff-len", flags.cutoff_len, "token budget of prompt + target")
                     ->check(icma::cli::whole(1, 1e7));
  auto* tokenizer = app.add_option("--tokenizer", flags.tokenizer,
                                   "model directory, tokenizer.json or tokenizer.model (budget and EOS text)");
  cutoff->needs(tokenizer);
  auto* eos = app.add_option("--eos", flags.eos, "text appended to every target (default: see below)");
  app.add_option("--missing", flags.missing, "queries without neighbours: fail, zero-shot or skip (counted)")
      ->check(CLI::IsMember({"fail", "zero-shot", "skip"}))
      ->capture_default_str();
  app.add_option("--short", flags.short_lists, "queries with fewer than --n-shot neighbours: use (counted) or fail")
      ->check(CLI::IsMember({"use", "fail"}))
      ->capture_default_str();
  app.add_option("--bad-rows", flags.bad_rows, "malformed dataset/corpus rows: fail (with file:line) or skip")
      ->check(CLI::IsMember({"fail", "skip"}))
      ->capture_default_str();
  app.add_flag("--retrieval-only", flags.retrieval_only,
               "write the retrieval-only baseline instead of prompts: a predictions TSV whose output is each "
               "query's top neighbour's caption (mol2cap) or SMILES (cap2mol)")
      ->excludes("--zero-shot");
  app.add_option("--stats", flags.stats, "also write the counts as JSON to this file");

  return icma::run_app(app, common, argc, argv, [&] {
    using namespace icma::prompt;
    const icma::OutputClaim claim({flags.out, flags.stats},
                                  {flags.dataset, flags.corpus, flags.neighbours, flags.template_path, flags.tokenizer});
    PlanOptions plan_options;
    plan_options.task = icma::data::parse_task(flags.task);
    plan_options.n_shot = flags.retrieval_only ? 1 : flags.zero_shot ? 0 : flags.n_shot;
    plan_options.skip = flags.skip;
    plan_options.missing = parse_missing_neighbours(flags.missing);
    plan_options.short_lists = parse_short_neighbours(flags.short_lists);
    const bool in_context = plan_options.n_shot > 0;
    if (in_context && (flags.corpus.empty() || flags.neighbours.empty())) {
      throw icma::InputError("in-context prompts need --corpus and --neighbours (or --zero-shot for none)");
    }

    const std::string template_path =
        flags.template_path.empty() ? PromptTemplates::default_path() : flags.template_path;
    if (flags.template_path.empty() && !std::ifstream(template_path).good()) {
      throw icma::InputError("no template file at " + template_path +
                             ": pass --template FILE, or set ICMA_CONFIG_DIR to the configs directory");
    }
    PromptTemplates templates = PromptTemplates::load(template_path);
    if (flags.wrap_smiles) templates.set_wrap_smiles(true);
    const auto policy = icma::data::parse_bad_row_policy(flags.bad_rows);
    const icma::data::Dataset dataset = icma::data::read_dataset(flags.dataset, policy);
    std::optional<CorpusLookup> corpus;
    std::vector<icma::data::QueryNeighbours> neighbours;
    if (in_context) {
      corpus.emplace(icma::data::read_dataset(flags.corpus, policy));
      neighbours = icma::data::read_neighbour_file(flags.neighbours);
    }
    if (flags.retrieval_only) {
      PlanCounts counts;
      const auto plans = plan_prompts(dataset, &*corpus, &neighbours, flags.neighbours, plan_options, counts);
      require_some_example(counts, flags);
      icma::data::write_predictions(flags.out, plan_options.task, retrieval_only_predictions(plans, plan_options.task));
      spdlog::info("wrote the retrieval-only answers of {} queries to {} ({} without a neighbour)", plans.size(),
                   flags.out, counts.missing_zero_shot + counts.short_lists);
      return 0;
    }

    std::optional<icma::tokenizer::Tokenizer> loaded;
    if (!flags.tokenizer.empty()) loaded.emplace(icma::tokenizer::Tokenizer::load(flags.tokenizer));
    AssembleOptions options;
    options.plan = plan_options;
    options.render.task = plan_options.task;
    options.render.reverse = !flags.no_reverse;
    options.render.eos_text = eos_text(flags, eos->count() > 0, loaded ? &*loaded : nullptr);
    options.cutoff_len = flags.cutoff_len;
    options.tokenizer = loaded ? &*loaded : nullptr;
    options.threads = common.resolved_threads();
    const AssembledPrompts prompts = assemble_prompts(templates, dataset, corpus ? &*corpus : nullptr,
                                                      in_context ? &neighbours : nullptr, flags.neighbours, options);
    if (in_context) require_some_example(prompts.summary.plan, flags);
    write_prompt_file(flags.out, prompts.records);
    log_summary(prompts.summary, flags.out);
    if (!flags.stats.empty()) icma::write_file_atomically(flags.stats, summary_json(prompts.summary).dump(2) + "\n");
    return 0;
  });
}
