#pragma once
// What icma-prompt reports when it is done: every count of the plan and the
// token budget, as log lines (warnings for the rows that did not get what
// was asked for) and as the JSON of --stats.

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "icma/prompt/budget.hpp"
#include "icma/prompt/builder.hpp"

namespace icma::prompt {

struct PromptSummary {
  PlanCounts plan;
  BudgetCounts budget;              ///< all zero without a budget
  std::size_t corpus_duplicate_ids = 0;
  std::size_t cutoff_len = 0;       ///< 0: no budget
  PlanOptions plan_options;
  RenderOptions render_options;
};

// Info lines for the totals, a warning for each kind of row that was changed,
// short or left out.
void log_summary(const PromptSummary& summary, const std::string& out_path);

// {"task", "n_shot", "skip", "reverse", "eos", "queries", "written", ...,
//  "budget": {"cutoff_len", "rows_dropping_examples", ...} (only with a budget)}
nlohmann::ordered_json summary_json(const PromptSummary& summary);

}  // namespace icma::prompt
