#include "icma/prompt/assemble.hpp"

#include "icma/core/error.hpp"
#include "icma/prompt/budget.hpp"

namespace icma::prompt {

AssembledPrompts assemble_prompts(const PromptTemplates& templates, const data::Dataset& queries,
                                  const CorpusLookup* corpus, const std::vector<data::QueryNeighbours>* neighbours,
                                  const std::string& neighbour_path, const AssembleOptions& options) {
  if (options.cutoff_len > 0 && options.tokenizer == nullptr) {
    throw InputError("a token budget (--cutoff-len) needs a tokenizer");
  }
  AssembledPrompts result;
  PromptSummary& summary = result.summary;
  summary.cutoff_len = options.cutoff_len;
  summary.plan_options = options.plan;
  summary.render_options = options.render;
  summary.corpus_duplicate_ids = corpus != nullptr ? corpus->duplicate_ids() : 0;
  const std::vector<PromptPlan> plans =
      plan_prompts(queries, corpus, neighbours, neighbour_path, options.plan, summary.plan);
  if (options.cutoff_len > 0) {
    result.records = fit_prompts(templates, plans, options.render, TokenizerCounter(*options.tokenizer),
                                 options.cutoff_len, options.threads, summary.budget);
  } else {
    result.records.reserve(plans.size());
    for (const PromptPlan& plan : plans) result.records.push_back(render(templates, plan, options.render));
  }
  for (std::size_t i = 0; i < plans.size(); ++i) result.records[i].line = plans[i].line;
  return result;
}

}  // namespace icma::prompt
