#include "icma/eval/report.hpp"

#include <cmath>
#include <cstdio>

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
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

std::vector<double> values_of(const std::vector<Metric>& metrics) {
  std::vector<double> values;
  for (const Metric& metric : metrics) values.push_back(metric.value);
  return values;
}

// The report's metric values over a selection of rows, for the bootstrap.
template <typename Scores, typename Totals>
MetricsOfRows metrics_of_rows(const Scores& scores, Totals totals) {
  return [&scores, totals](const std::vector<std::size_t>& selection) {
    return values_of(metrics_of(totals(scores.rows, selection)));
  };
}

void check_same_rows(const data::PredictionFile& ours, const data::PredictionFile& theirs) {
  if (ours.rows.size() != theirs.rows.size()) {
    throw InputError(theirs.path, 0,
                     "has " + std::to_string(theirs.rows.size()) + " rows to score, " + ours.path + " has " +
                         std::to_string(ours.rows.size()) + ": a paired comparison needs the same test rows");
  }
  for (std::size_t i = 0; i < ours.rows.size(); ++i) {
    if (ours.rows[i].input != theirs.rows[i].input || ours.rows[i].ground_truth != theirs.rows[i].ground_truth) {
      throw InputError(theirs.path, theirs.rows[i].line,
                       "input or ground truth differs from " + ours.path + " line " +
                           std::to_string(ours.rows[i].line) + ": a paired comparison needs the same test rows");
    }
  }
}

Comparison compare(const data::PredictionFile& ours_file, const MetricsOfRows& ours,
                   const data::PredictionFile& theirs_file, const MetricsOfRows& theirs,
                   const BootstrapOptions& options) {
  check_same_rows(ours_file, theirs_file);
  return {theirs_file.path, paired_bootstrap(ours_file.rows.size(), ours, theirs, options)};
}

std::string fixed(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

std::string interval_text(const Interval& interval, int digits) {
  return "[" + fixed(interval.low, digits) + ", " + fixed(interval.high, digits) + "]";
}

nlohmann::json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

nlohmann::json interval_json(const Interval& interval) {
  return nlohmann::json::array({number_or_null(interval.low), number_or_null(interval.high)});
}

}  // namespace

std::vector<Metric> metrics_of(const Mol2CapScores& totals) {
  return {{"bleu2", "BLEU-2", totals.bleu2},   {"bleu4", "BLEU-4", totals.bleu4},
          {"rouge1", "ROUGE-1", totals.rouge1}, {"rouge2", "ROUGE-2", totals.rouge2},
          {"rougeL", "ROUGE-L", totals.rougeL}, {"meteor", "METEOR", totals.meteor}};
}

std::vector<Metric> metrics_of(const Cap2MolScores& totals) {
  return {{"bleu", "BLEU", totals.bleu},
          {"exact", "Exact", totals.exact},
          {"levenshtein", "Levenshtein", totals.levenshtein},
          {"validity", "Validity", totals.validity},
          {"maccs_fts", "MACCS FTS", totals.maccs},
          {"rdk_fts", "RDK FTS", totals.rdk},
          {"morgan_fts", "Morgan FTS", totals.morgan}};
}

EvalReport make_report(const data::PredictionFile& file, const Mol2CapScores& scores) {
  EvalReport report = base_report(file);
  report.metrics = metrics_of(scores);
  return report;
}

EvalReport make_report(const data::PredictionFile& file, const Cap2MolScores& scores) {
  EvalReport report = base_report(file);
  report.metrics = metrics_of(scores);
  return report;
}

void add_intervals(EvalReport& report, const Mol2CapScores& scores, const BootstrapOptions& options) {
  report.bootstrap = options;
  report.intervals = bootstrap_intervals(scores.rows.size(), metrics_of_rows(scores, mol2cap_totals), options);
}

void add_intervals(EvalReport& report, const Cap2MolScores& scores, const BootstrapOptions& options) {
  report.bootstrap = options;
  report.intervals = bootstrap_intervals(scores.rows.size(), metrics_of_rows(scores, cap2mol_totals), options);
}

void add_comparison(EvalReport& report, const data::PredictionFile& ours_file, const Mol2CapScores& ours,
                    const data::PredictionFile& theirs_file, const Mol2CapScores& theirs,
                    const BootstrapOptions& options) {
  report.bootstrap = options;
  report.comparisons.push_back(compare(ours_file, metrics_of_rows(ours, mol2cap_totals), theirs_file,
                                       metrics_of_rows(theirs, mol2cap_totals), options));
}

void add_comparison(EvalReport& report, const data::PredictionFile& ours_file, const Cap2MolScores& ours,
                    const data::PredictionFile& theirs_file, const Cap2MolScores& theirs,
                    const BootstrapOptions& options) {
  report.bootstrap = options;
  report.comparisons.push_back(compare(ours_file, metrics_of_rows(ours, cap2mol_totals), theirs_file,
                                       metrics_of_rows(theirs, cap2mol_totals), options));
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
  const bool with_intervals = !report.intervals.empty();
  const std::string level = fixed(report.bootstrap.level * 100.0, 0) + "% CI";
  table += "| " + pad("metric", label_width) + " | value |" + (with_intervals ? " " + level + " |" : "") + "\n";
  table += "| " + std::string(label_width, '-') + " | ----- |" + (with_intervals ? " --- |" : "") + "\n";
  for (std::size_t m = 0; m < report.metrics.size(); ++m) {
    const Metric& metric = report.metrics[m];
    table += "| " + pad(metric.label, label_width) + " | " + fixed(metric.value, digits) + " |";
    if (with_intervals) table += " " + interval_text(report.intervals[m], digits) + " |";
    table += "\n";
  }
  for (const Comparison& comparison : report.comparisons) {
    table += "\nPaired bootstrap against " + comparison.against + " (" + std::to_string(report.bootstrap.samples) +
             " resamples, seed " + std::to_string(report.bootstrap.seed) + "): this minus that\n\n";
    table += "| " + pad("metric", label_width) + " | difference | " + level + " | p |\n";
    table += "| " + std::string(label_width, '-') + " | ---------- | --- | - |\n";
    for (std::size_t m = 0; m < report.metrics.size(); ++m) {
      const PairedComparison& paired = comparison.metrics[m];
      table += "| " + pad(report.metrics[m].label, label_width) + " | " + fixed(paired.difference, digits) + " | " +
               interval_text(paired.interval, digits) + " | " + fixed(paired.p_value, 3) + " |\n";
    }
  }
  return table;
}

nlohmann::json to_json(const EvalReport& report) {
  nlohmann::json metrics = nlohmann::json::object();
  for (const Metric& metric : report.metrics) metrics[metric.key] = number_or_null(metric.value);
  nlohmann::json json = {{"task", data::task_name(report.task)},
                         {"predictions", report.predictions_path},
                         {"rows", report.rows},
                         {"skipped_rows", report.skipped_rows},
                         {"metrics", metrics},
                         {"settings", report.settings}};
  if (report.intervals.empty() && report.comparisons.empty()) return json;
  json["bootstrap"] = {{"samples", report.bootstrap.samples},
                       {"seed", report.bootstrap.seed},
                       {"level", report.bootstrap.level},
                       {"method", "percentile; paired: sacreBLEU's paired bootstrap, two-sided"}};
  if (!report.intervals.empty()) {
    nlohmann::json intervals = nlohmann::json::object();
    for (std::size_t m = 0; m < report.metrics.size(); ++m) {
      intervals[report.metrics[m].key] = interval_json(report.intervals[m]);
    }
    json["intervals"] = intervals;
  }
  nlohmann::json comparisons = nlohmann::json::array();
  for (const Comparison& comparison : report.comparisons) {
    nlohmann::json per_metric = nlohmann::json::object();
    for (std::size_t m = 0; m < report.metrics.size(); ++m) {
      const PairedComparison& paired = comparison.metrics[m];
      per_metric[report.metrics[m].key] = {{"difference", number_or_null(paired.difference)},
                                           {"interval", interval_json(paired.interval)},
                                           {"p_value", number_or_null(paired.p_value)}};
    }
    comparisons.push_back({{"against", comparison.against}, {"metrics", per_metric}});
  }
  if (!comparisons.empty()) json["comparisons"] = comparisons;
  return json;
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
