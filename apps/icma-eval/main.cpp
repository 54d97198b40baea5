// icma-eval: score a predictions file with the field's standard metrics,
// exactly as MolT5's evaluation scripts do.
//
//   icma-eval mol2cap PRED.tsv --vocab scibert/vocab.txt [--json M.json] [--per-example ROWS.tsv]
//   icma-eval cap2mol PRED.tsv [--json M.json] [--per-example ROWS.tsv]
//   icma-eval TASK PRED.tsv --paired OTHER.tsv ...   (paired bootstrap against other systems)

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

#include <spdlog/spdlog.h>

#include "icma/core/app.hpp"
#include "icma/core/cli_checks.hpp"
#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/core/output_ownership.hpp"
#include "icma/data/predictions.hpp"
#include "icma/chem/inchi.hpp"
#include "icma/eval/cap2mol.hpp"
#include "icma/eval/meteor.hpp"
#include "icma/eval/mol2cap.hpp"
#include "icma/eval/report.hpp"
#include "icma/text/porter_stemmer.hpp"
#include "icma/tokenizer/sentencepiece_tokenizer.hpp"
#include "icma/text/wordnet.hpp"
#include "icma/tokenizer/wordpiece.hpp"

namespace {

struct EvalOptions {
  std::string predictions;
  std::string json_path;
  std::string per_example_path;
  std::string bad_rows = "fail";
  int digits = 4;
  std::size_t bootstrap_samples = 1000;
  std::vector<std::string> paired;
  // mol2cap only
  std::string text_tokenizer = "scibert";
  std::string vocab;
  std::string wordnet_dir;
  std::size_t max_tokens = 512;
};

std::string default_wordnet_dir() {
  const char* env = std::getenv("ICMA_WORDNET_DIR");
  return env != nullptr && *env != '\0' ? env : "/usr/share/wordnet";
}

std::unique_ptr<icma::tokenizer::TextTokenizer> make_tokenizer(const EvalOptions& options) {
  if (options.vocab.empty()) {
    throw icma::InputError(
        "--vocab is required: the SciBERT vocab.txt for --text-tokenizer scibert (scripts/download_data.sh fetches "
        "it to data/vocab/scibert_scivocab_uncased/vocab.txt), or a SentencePiece .model for "
        "--text-tokenizer sentencepiece");
  }
  if (options.text_tokenizer == "scibert") {
    return std::make_unique<icma::tokenizer::BertWordPieceTokenizer>(
        icma::tokenizer::BertWordPieceTokenizer::from_vocab_file(options.vocab, options.max_tokens));
  }
  return std::make_unique<icma::tokenizer::SentencePieceTokenizer>(
      icma::tokenizer::SentencePieceTokenizer::from_model_file(options.vocab));
}

icma::data::PredictionFile read_rows(const EvalOptions& options, const std::string& path, icma::data::Task task) {
  icma::data::PredictionFile file =
      icma::data::read_predictions(path, task, icma::data::parse_bad_row_policy(options.bad_rows));
  if (file.rows.empty()) throw icma::InputError(file.path, 0, "no rows to score");
  spdlog::debug("{}: {} rows", file.path, file.rows.size());
  return file;
}

// Bootstrap intervals and paired comparisons (eval/bootstrap.hpp); `score`
// scores another predictions file the way the main one was scored.
template <typename Scores, typename Score>
void add_statistics(icma::eval::EvalReport& report, const icma::data::PredictionFile& file, const Scores& scores,
                    const EvalOptions& options, std::uint64_t seed, Score score) {
  if (options.bootstrap_samples == 0) return;
  const icma::eval::BootstrapOptions bootstrap{options.bootstrap_samples, seed};
  icma::eval::add_intervals(report, scores, bootstrap);
  for (const std::string& path : options.paired) {
    const icma::data::PredictionFile other = read_rows(options, path, file.task);
    icma::eval::add_comparison(report, file, scores, other, score(other), bootstrap);
  }
}

void emit(const icma::eval::EvalReport& report, const EvalOptions& options) {
  std::cout << icma::eval::format_table(report, options.digits) << std::flush;
  if (!options.json_path.empty()) {
    icma::write_file_atomically(options.json_path, icma::eval::to_json(report).dump(2) + "\n");
    spdlog::info("metrics written to {}", options.json_path);
  }
}

int run_mol2cap(const EvalOptions& options, unsigned threads, std::uint64_t seed) {
  const icma::data::PredictionFile file = read_rows(options, options.predictions, icma::data::Task::mol2cap);
  const auto tokenizer = make_tokenizer(options);
  const icma::text::PorterStemmer stemmer;
  const icma::text::WordNet wordnet = icma::text::WordNet::open(options.wordnet_dir);
  const icma::eval::Meteor meteor(stemmer, wordnet);
  const auto score = [&](const icma::data::PredictionFile& rows) {
    return icma::eval::score_mol2cap(rows.rows, *tokenizer, meteor, threads);
  };
  const icma::eval::Mol2CapScores scores = score(file);

  icma::eval::EvalReport report = icma::eval::make_report(file, scores);
  add_statistics(report, file, scores, options, seed, score);
  report.settings = {{"text_tokenizer", options.text_tokenizer},
                     {"tokenizer", tokenizer->name()},
                     {"wordnet", options.wordnet_dir}};
  if (options.text_tokenizer == "scibert") report.settings["max_tokens"] = options.max_tokens;
  emit(report, options);
  if (!options.per_example_path.empty()) {
    icma::eval::write_per_example(options.per_example_path, file, scores);
    spdlog::info("per-row scores written to {}", options.per_example_path);
  }
  return 0;
}

int run_cap2mol(const EvalOptions& options, unsigned threads, std::uint64_t seed) {
  const icma::data::PredictionFile file = read_rows(options, options.predictions, icma::data::Task::cap2mol);
  const auto score = [&](const icma::data::PredictionFile& rows) {
    return icma::eval::score_cap2mol(rows.rows, threads);
  };
  const icma::eval::Cap2MolScores scores = score(file);
  if (scores.unparsable_ground_truths > 0) {
    spdlog::warn("{}: {} ground-truth SMILES do not parse; those rows are left out of the fingerprint means",
                 file.path, scores.unparsable_ground_truths);
  }
  icma::eval::EvalReport report = icma::eval::make_report(file, scores);
  add_statistics(report, file, scores, options, seed, score);
  if (scores.exact_capped_rows > 0) {
    spdlog::warn("{}: {} row(s) pair molecules of over {} atoms that only an InChI could tell apart; they count as "
                 "not exact without one (laying them out is unbounded in time)",
                 file.path, scores.exact_capped_rows, icma::chem::kLayoutCapAtoms);
  }
  report.settings["exact_capped_rows"] = scores.exact_capped_rows;
  report.settings["exact_cap_atoms"] = icma::chem::kLayoutCapAtoms;
  emit(report, options);
  if (!options.per_example_path.empty()) {
    icma::eval::write_per_example(options.per_example_path, file, scores);
    spdlog::info("per-row scores written to {}", options.per_example_path);
  }
  return 0;
}

void add_shared_options(CLI::App& command, EvalOptions& options) {
  command.add_option("predictions", options.predictions, "predictions TSV in MolT5 format")
      ->required()
      ->check(CLI::ExistingFile);
  command.add_option("--json", options.json_path, "also write the metrics (full precision) to this JSON file");
  command.add_option("--per-example", options.per_example_path, "write each row's scores to this TSV file");
  command.add_option("--bad-rows", options.bad_rows,
                     "what to do with a malformed row: fail (stop with file:line) or skip (warn and count)")
      ->check(CLI::IsMember({"fail", "skip"}))
      ->capture_default_str();
  command.add_option("--digits", options.digits, "decimals in the printed table")
      ->check(icma::cli::whole(0, 17))
      ->capture_default_str();
  command.add_option("--bootstrap", options.bootstrap_samples,
                     "bootstrap resamples for a 95% confidence interval per metric (rows drawn with replacement, "
                     "each metric recomputed as defined: corpus BLEU from the drawn rows' counts); 0 = none. "
                     "Seeded by --seed")
      ->check(icma::cli::whole(0, 100000))
      ->capture_default_str();
  command.add_option("--paired", options.paired,
                     "another system's predictions on the same rows (repeatable): a paired bootstrap of this "
                     "file against it, with the difference per metric, its 95% CI and a two-sided p-value "
                     "(sacreBLEU's paired bootstrap)")
      ->check(CLI::ExistingFile);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Score molecule<->text predictions with the MolT5 evaluation metrics, exactly.\n"
      "Input is a MolT5 prediction file: a header, then one TAB-separated row per example.",
      "icma-eval"};
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  icma-eval mol2cap preds.tsv --vocab scibert_scivocab_uncased/vocab.txt --json metrics.json\n"
      "  icma-eval cap2mol preds.tsv --per-example rows.tsv --threads 2\n"
      "  icma-eval cap2mol icma/preds.tsv --paired direct_ft/preds.tsv --json metrics.json\n"
      "The common options (--threads, --seed, --log-level) may also follow the subcommand.\n"
      "Exit codes: 0 scored, 1 failure, 2 bad input or flags (with file:line).");
  icma::CommonOptions common;
  icma::add_common_options(app, common);
  EvalOptions options;
  options.wordnet_dir = default_wordnet_dir();

  CLI::App* mol2cap = app.add_subcommand(
      "mol2cap",
      "molecule -> caption: BLEU-2/4, ROUGE-1/2/L, METEOR. Header: SMILES<TAB>ground truth<TAB>output");
  add_shared_options(*mol2cap, options);
  mol2cap->add_option("--text-tokenizer", options.text_tokenizer,
                      "tokens for BLEU and METEOR: scibert (MolT5's scripts; BERT WordPiece over --vocab) or "
                      "sentencepiece (the official ICMA code; T5 spiece.model as --vocab)")
      ->check(CLI::IsMember({"scibert", "sentencepiece"}))
      ->capture_default_str();
  mol2cap->add_option("--vocab", options.vocab,
                      "SciBERT vocab.txt (scibert) or SentencePiece .model file (sentencepiece)")
      ->check(CLI::ExistingFile);
  mol2cap->add_option("--max-tokens", options.max_tokens,
                      "word pieces kept per text with scibert (MolT5 truncates at 512; 0 = no limit). SentencePiece "
                      "tokens are not truncated: T5Tokenizer.tokenize ignores truncation")
      ->check(icma::cli::whole(0, 1e7))
      ->capture_default_str();
  mol2cap->add_option("--wordnet", options.wordnet_dir,
                      "WordNet 3.0 database directory for METEOR's synonym stage (Debian: wordnet-base; "
                      "env ICMA_WORDNET_DIR)")
      ->capture_default_str();

  CLI::App* cap2mol = app.add_subcommand(
      "cap2mol",
      "caption -> molecule: BLEU, exact match, Levenshtein, validity, MACCS/RDK/Morgan FTS. "
      "Header: description<TAB>ground truth<TAB>output");
  add_shared_options(*cap2mol, options);

  return icma::run_app(app, common, argc, argv, [&] {
    std::vector<std::string> inputs = options.paired;
    inputs.insert(inputs.end(), {options.predictions, options.vocab, options.wordnet_dir});
    const icma::OutputClaim claim({options.json_path, options.per_example_path}, inputs);
    const unsigned threads = common.resolved_threads();
    if (!options.paired.empty() && options.bootstrap_samples == 0) {
      throw icma::InputError("--paired needs --bootstrap N with N > 0");
    }
    return mol2cap->parsed() ? run_mol2cap(options, threads, common.seed) : run_cap2mol(options, threads, common.seed);
  });
}
