#pragma once
// What icma-eval hands back: the metrics as a readable table (stdout), as
// JSON (--json), and each row's scores as TSV (--per-example) for error
// analysis. JSON numbers keep full precision (shortest round-trip form, the
// same digits Python prints); the table rounds.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "icma/data/predictions.hpp"

namespace icma::eval {

struct Mol2CapScores;
struct Cap2MolScores;

struct Metric {
  std::string key;    // JSON key, e.g. "bleu4"
  std::string label;  // table label, e.g. "BLEU-4"
  double value = 0.0;
};

struct EvalReport {
  data::Task task = data::Task::mol2cap;
  std::string predictions_path;
  std::size_t rows = 0;
  std::size_t skipped_rows = 0;
  std::vector<Metric> metrics;
  nlohmann::json settings = nlohmann::json::object();  // tokenizer, vocabulary, etc.
};

EvalReport make_report(const data::PredictionFile& file, const Mol2CapScores& scores);
EvalReport make_report(const data::PredictionFile& file, const Cap2MolScores& scores);

// A markdown table with `digits` decimals.
std::string format_table(const EvalReport& report, int digits);
nlohmann::json to_json(const EvalReport& report);

// One line per scored row, keyed by the row's line number in the input.
void write_per_example(const std::string& path, const data::PredictionFile& file, const Mol2CapScores& scores);
void write_per_example(const std::string& path, const data::PredictionFile& file, const Cap2MolScores& scores);

}  // namespace icma::eval
