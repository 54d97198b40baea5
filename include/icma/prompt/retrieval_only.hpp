#pragma once
// The retrieval-only baseline of the ICMA paper's tables: each query is
// answered with the answer of its most similar example, with no model at all
// (Mol2Cap: the top-ranked neighbour molecule's caption; Cap2Mol: the
// top-ranked neighbour caption's SMILES). It reads the same plans as the
// prompts (builder.hpp), so that it sees exactly the examples ICMA's prompts
// would get; a query without examples gets an empty output, which the
// metrics score as a miss.

#include <vector>

#include "icma/data/predictions.hpp"
#include "icma/prompt/builder.hpp"

namespace icma::prompt {

// One MolT5 prediction row per plan, in plan order: the query's input, its
// answer as ground truth, and plan.examples.front()'s answer as output.
std::vector<data::Prediction> retrieval_only_predictions(const std::vector<PromptPlan>& plans, data::Task task);

}  // namespace icma::prompt
