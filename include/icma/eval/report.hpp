#pragma once
// What icma-eval hands back: the metrics as a readable table (stdout), as
// JSON (--json), and each row's scores as TSV (--per-example) for error
// analysis. JSON numbers keep full precision (shortest round-trip form, the
// same digits Python prints); the table rounds.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "icma/data/predictions.hpp"
#include "icma/eval/bootstrap.hpp"

namespace icma::eval {

struct Mol2CapScores;
struct Cap2MolScores;

struct Metric {
  std::string key;    // JSON key, e.g. "bleu4"
  std::string label;  // table label, e.g. "BLEU-4"
  double value = 0.0;
};

// A paired bootstrap of this report's system against another one's predictions on the same rows.
struct Comparison {
  std::string against;                       // the other predictions file
  std::vector<PairedComparison> metrics;     // one per Metric, same order
};

struct EvalReport {
  data::Task task = data::Task::mol2cap;
  std::string predictions_path;
  std::size_t rows = 0;
  std::size_t skipped_rows = 0;
  std::vector<Metric> metrics;
  nlohmann::json settings = nlohmann::json::object();  // tokenizer, vocabulary, etc.
  // Bootstrap statistics (eval/bootstrap.hpp): empty when not asked for.
  BootstrapOptions bootstrap;
  std::vector<Interval> intervals;  // one per Metric, same order
  std::vector<Comparison> comparisons;
};

EvalReport make_report(const data::PredictionFile& file, const Mol2CapScores& scores);
EvalReport make_report(const data::PredictionFile& file, const Cap2MolScores& scores);

// The metrics in the report's order, from corpus totals.
std::vector<Metric> metrics_of(const Mol2CapScores& totals);
std::vector<Metric> metrics_of(const Cap2MolScores& totals);

// Adds a confidence interval per metric (report.intervals).
void add_intervals(EvalReport& report, const Mol2CapScores& scores, const BootstrapOptions& options);
void add_intervals(EvalReport& report, const Cap2MolScores& scores, const BootstrapOptions& options);

// Adds a paired bootstrap against another system's predictions. The two files
// must hold the same rows in the same order (same inputs and ground truths);
// otherwise InputError names the other file's first differing line.
void add_comparison(EvalReport& report, const data::PredictionFile& ours_file, const Mol2CapScores& ours,
                    const data::PredictionFile& theirs_file, const Mol2CapScores& theirs,
                    const BootstrapOptions& options);
void add_comparison(EvalReport& report, const data::PredictionFile& ours_file, const Cap2MolScores& ours,
                    const data::PredictionFile& theirs_file, const Cap2MolScores& theirs,
                    const BootstrapOptions& options);

// A markdown table with `digits` decimals (with a confidence-interval column
// when there are intervals), then one table per comparison.
std::string format_table(const EvalReport& report, int digits);
nlohmann::json to_json(const EvalReport& report);

// One line per scored row, keyed by the row's line number in the input.
void write_per_example(const std::string& path, const data::PredictionFile& file, const Mol2CapScores& scores);
void write_per_example(const std::string& path, const data::PredictionFile& file, const Cap2MolScores& scores);

}  // namespace icma::eval
