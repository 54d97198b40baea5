#include "icma/prompt/summary.hpp"

#include <spdlog/spdlog.h>

namespace icma::prompt {

void log_summary(const PromptSummary& summary, const std::string& out_path) {
  const PlanCounts& plan = summary.plan;
  const std::size_t written = plan.planned;
  if (summary.plan_options.n_shot == 0) {
    spdlog::info("{} zero-shot {} prompts written to {}", written, data::task_name(summary.plan_options.task),
                 out_path);
  } else {
    spdlog::info("{} {} prompts written to {} ({}-shot, {} examples planned, most similar {})", written,
                 data::task_name(summary.plan_options.task), out_path, summary.plan_options.n_shot, plan.examples,
                 summary.render_options.reverse ? "last" : "first");
  }
  if (plan.missing_zero_shot > 0) {
    spdlog::warn("{} queries had no neighbours and got zero-shot prompts", plan.missing_zero_shot);
  }
  if (plan.missing_skipped > 0) spdlog::warn("{} queries had no neighbours and were left out", plan.missing_skipped);
  if (plan.short_lists > 0) {
    spdlog::warn("{} queries had fewer than {} usable neighbours and got fewer examples", plan.short_lists,
                 summary.plan_options.n_shot);
  }
  if (plan.self_examples > 0) {
    spdlog::warn("{} examples are their own query (neighbours retrieved from a corpus that holds the queries? "
                 "see --skip, or icma-retrieve --exclude-self)",
                 plan.self_examples);
  }
  if (plan.unused_queries > 0) {
    spdlog::warn("{} queries of the neighbour file are not in the dataset (ignored)", plan.unused_queries);
  }
  if (summary.corpus_duplicate_ids > 0) {
    spdlog::warn("{} CIDs occur more than once in the corpus; neighbour ids take the later row",
                 summary.corpus_duplicate_ids);
  }
  if (summary.cutoff_len == 0) return;
  const BudgetCounts& budget = summary.budget;
  spdlog::info("token budget {}: {} rows lost {} examples, {} had the query's text cut, {} still exceed it; "
               "longest {} tokens, mean {:.1f}",
               summary.cutoff_len, budget.rows_dropping_examples, budget.examples_dropped, budget.rows_truncated,
               budget.rows_over, budget.max_tokens,
               budget.rows == 0 ? 0.0 : static_cast<double>(budget.total_tokens) / static_cast<double>(budget.rows));
  if (budget.rows_over > 0) {
    spdlog::warn("{} rows exceed --cutoff-len {} even with no examples and no query text (long targets); "
                 "written zero-shot, untruncated",
                 budget.rows_over, summary.cutoff_len);
  }
}

nlohmann::ordered_json summary_json(const PromptSummary& summary) {
  const PlanCounts& plan = summary.plan;
  nlohmann::ordered_json json;
  json["task"] = data::task_name(summary.plan_options.task);
  json["n_shot"] = summary.plan_options.n_shot;
  json["skip"] = summary.plan_options.skip;
  json["reverse"] = summary.render_options.reverse;
  json["eos"] = summary.render_options.eos_text;
  json["queries"] = plan.queries;
  json["written"] = plan.planned;
  json["examples"] = plan.examples;
  json["missing_zero_shot"] = plan.missing_zero_shot;
  json["missing_skipped"] = plan.missing_skipped;
  json["short_lists"] = plan.short_lists;
  json["self_examples"] = plan.self_examples;
  json["unused_neighbour_queries"] = plan.unused_queries;
  json["corpus_duplicate_ids"] = summary.corpus_duplicate_ids;
  if (summary.cutoff_len > 0) {
    const BudgetCounts& budget = summary.budget;
    json["budget"] = {{"cutoff_len", summary.cutoff_len},
                      {"rows_dropping_examples", budget.rows_dropping_examples},
                      {"examples_dropped", budget.examples_dropped},
                      {"rows_truncated", budget.rows_truncated},
                      {"rows_over", budget.rows_over},
                      {"max_tokens", budget.max_tokens},
                      {"total_tokens", budget.total_tokens}};
  }
  return json;
}

}  // namespace icma::prompt
