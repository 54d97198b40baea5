#pragma once
// Prompts for a set of queries in one call: plan (builder.hpp), then render
// with the templates, under the token budget when there is one
// (budget.hpp). This is all of icma-prompt, and what icma-generate does with
// plain inputs, so both give the same prompts for the same queries and
// neighbours.

#include <cstddef>
#include <string>
#include <vector>

#include "icma/data/dataset.hpp"
#include "icma/data/neighbour_file.hpp"
#include "icma/prompt/builder.hpp"
#include "icma/prompt/summary.hpp"
#include "icma/prompt/template.hpp"
#include "icma/tokenizer/tokenizer.hpp"

namespace icma::prompt {

struct AssembleOptions {
  PlanOptions plan;
  RenderOptions render;
  std::size_t cutoff_len = 0;                       ///< token budget of prompt + target; 0 = none
  const tokenizer::Tokenizer* tokenizer = nullptr;  ///< counts the budget's tokens; required with cutoff_len
  unsigned threads = 1;
};

struct AssembledPrompts {
  std::vector<PromptRecord> records;  ///< in query order; each keeps its query's line
  PromptSummary summary;
};

// With plan.n_shot > 0, `corpus` and `neighbours` (read from
// `neighbour_path`, for messages) are required; throws as plan_prompts.
AssembledPrompts assemble_prompts(const PromptTemplates& templates, const data::Dataset& queries,
                                  const CorpusLookup* corpus, const std::vector<data::QueryNeighbours>* neighbours,
                                  const std::string& neighbour_path, const AssembleOptions& options);

}  // namespace icma::prompt
