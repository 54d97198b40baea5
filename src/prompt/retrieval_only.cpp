#include "icma/prompt/retrieval_only.hpp"

namespace icma::prompt {

std::vector<data::Prediction> retrieval_only_predictions(const std::vector<PromptPlan>& plans, data::Task task) {
  std::vector<data::Prediction> rows;
  rows.reserve(plans.size());
  for (const PromptPlan& plan : plans) {
    data::Prediction row{plan.input, plan.answer, "", plan.line};
    if (!plan.examples.empty()) {
      const Example& nearest = plan.examples.front().example;  // examples are most similar first
      row.output = task == data::Task::mol2cap ? nearest.caption : nearest.smiles;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace icma::prompt
