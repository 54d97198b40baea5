#include "icma/eval/report.hpp"

#include <cmath>
#include <cstdio>

#include "icma/core/atomic_file.hpp"
#include "icma/eval/cap2mol.hpp"
#include "icma/eval/mol2cap.hpp"

namespace icma::eval {
namespace {

EvalReport base_report(const data::PredictionFile& file) {
  EvalReport report;
  report.task = file.task;
  report.predictions_path = file.path;
  report.rows = file.rows.size();
  report.skipped_rows = file.skipped_rows;
  return report;
}

// Full precision, shortest form that reads back to the same double.
std::string exact_number(double value) {
  if (std::isnan(value)) return "nan";
  return nlohmann::json(value).dump();
}

std::string optional_number(const std::optional<double>& value) { return value ? exact_number(*value) : ""; }

}  // namespace

EvalReport make_report(const data::PredictionFile& file, const Mol2CapScores& scores) {
  EvalReport report = base_report(file);
  report.metrics = {{"bleu2", "BLEU-2", scores.bleu2},   {"bleu4", "BLEU-4", scores.bleu4},
                    {"rouge1", "ROUGE-1", scores.rouge1}, {"rouge2", "ROUGE-2", scores.rouge2},
                    {"rougeL", "ROUGE-L", scores.rougeL}, {"meteor", "METEOR", scores.meteor}};
  return report;
}

EvalReport make_report(const data::PredictionFile& file, const Cap2MolScores& scores) {
  EvalReport report = base_report(file);
  report.metrics = {{"bleu", "BLEU", scores.bleu},
                    {"exact", "Exact", scores.exact},
                    {"levenshtein", "Levenshtein", scores.levenshtein},
                    {"validity", "Validity", scores.validity},
                    {"maccs_fts", "MACCS FTS", scores.maccs},
                    {"rdk_fts", "RDK FTS", scores.rdk},
                    {"morgan_fts", "Morgan FTS", scores.morgan}};
  return report;
}

std::string format_table(const EvalReport& report, int digits) {
  std::size_t label_width = std::string("metric").size();
  for (const Metric& metric : report.metrics) label_width = std::max(label_width, metric.label.size());
  std::string table = std::string(data::task_name(report.task)) + ": " + report.predictions_path + " (" +
                      std::to_string(report.rows) + " rows";
  if (report.skipped_rows > 0) table += ", " + std::to_string(report.skipped_rows) + " bad rows skipped";
  table += ")\n\n";
  const auto pad = [](std::string text, std::size_t width) {
    text.resize(std::max(width, text.size()), ' ');
    return text;
  };
  table += "| " + pad("metric", label_width) + " | value |\n";
  table += "| " + std::string(label_width, '-') + " | ----- |\n";
  for (const Metric& metric : report.metrics) {
    char value[64];
    std::snprintf(value, sizeof value, "%.*f", digits, metric.value);
    table += "| " + pad(metric.label, label_width) + " | " + value + " |\n";
  }
  return table;
}

nlohmann::json to_json(const EvalReport& report) {
  nlohmann::json metrics = nlohmann::json::object();
  for (const Metric& metric : report.metrics) {
    metrics[metric.key] = std::isnan(metric.value) ? nlohmann::json(nullptr) : nlohmann::json(metric.value);
  }
  return {{"task", data::task_name(report.task)},
          {"predictions", report.predictions_path},
          {"rows", report.rows},
          {"skipped_rows", report.skipped_rows},
          {"metrics", metrics},
          {"settings", report.settings}};
}

void write_per_example(const std::string& path, const data::PredictionFile& file, const Mol2CapScores& scores) {
  AtomicFile out_file(path);
  std::ostream& out = out_file.stream();
  out << "line\tground_truth_tokens\toutput_tokens\tmeteor\trouge1\trouge2\trougeL\t"
         "unigram_matches\tbigram_matches\texact_matches\tstem_matches\tsynonym_matches\tchunks\n";
  for (std::size_t i = 0; i < scores.rows.size(); ++i) {
    const Mol2CapRowScores& row = scores.rows[i];
    out << file.rows[i].line << '\t' << row.ground_truth_tokens << '\t' << row.output_tokens << '\t'
        << exact_number(row.meteor) << '\t' << exact_number(row.rouge.rouge1.fmeasure) << '\t'
        << exact_number(row.rouge.rouge2.fmeasure) << '\t' << exact_number(row.rouge.rougeL.fmeasure) << '\t'
        << row.bleu.numerators[0] << '\t' << row.bleu.numerators[1] << '\t' << row.alignment.exact << '\t'
        << row.alignment.stem << '\t' << row.alignment.synonym << '\t' << row.alignment.chunks << '\n';
  }
  out_file.commit();
}

void write_per_example(const std::string& path, const data::PredictionFile& file, const Cap2MolScores& scores) {
  AtomicFile out_file(path);
  std::ostream& out = out_file.stream();
  out << "line\toutput_parses\tground_truth_parses\texact\tlevenshtein\tmaccs\trdk\tmorgan\n";
  for (std::size_t i = 0; i < scores.rows.size(); ++i) {
    const Cap2MolRowScores& row = scores.rows[i];
    out << file.rows[i].line << '\t' << (row.output_parses ? 1 : 0) << '\t' << (row.ground_truth_parses ? 1 : 0)
        << '\t' << (row.exact ? 1 : 0) << '\t' << row.levenshtein << '\t' << optional_number(row.maccs) << '\t'
        << optional_number(row.rdk) << '\t' << optional_number(row.morgan) << '\n';
  }
  out_file.commit();
}

}  // namespace icma::eval
