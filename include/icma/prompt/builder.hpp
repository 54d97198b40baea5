#pragma once
// Prompt assembly: which examples each query gets, and the prompt rows made
// from them. A dataset row (the query), its ranked neighbours (an ICMA
// neighbour file) and the corpus they point into become a PromptPlan: the
// query's input and answer and its examples, most similar first. render()
// writes a plan with the templates of template.hpp, keeping the best
// `n_examples` of them; the token budget (budget.hpp) calls it with fewer.
//
// Neighbours are matched to queries by query id (not by position, as the
// official ICMA reader does: line (i - 1) * 10 + j for the i-th query); for
// files written by the official code the two agree, since their blocks follow
// the split file's order. Not here: retrieval (retrieval/), templates
// (template.hpp), tokens (budget.hpp), the JSONL file (prompt_file.hpp).

#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "icma/data/dataset.hpp"
#include "icma/data/predictions.hpp"
#include "icma/prompt/template.hpp"
#include "icma/data/neighbour_file.hpp"
#include "icma/tokenizer/tokenizer.hpp"

namespace icma::prompt {

// One in-context example with the corpus id it came from.
struct RankedExample {
  std::string id;
  Example example;
};

// One query, before rendering.
struct PromptPlan {
  std::string id;                        ///< the query's CID
  std::size_t line = 0;                  ///< its line in the dataset file
  std::string input;                     ///< SMILES (mol2cap) or caption (cap2mol), as in the dataset
  std::string answer;                    ///< caption (mol2cap) or SMILES (cap2mol)
  std::vector<RankedExample> examples;   ///< most similar first, at most n_shot
};

// One JSONL row: {"id","task","prompt","target","examples","input"}.
struct PromptRecord {
  std::string id;
  data::Task task = data::Task::mol2cap;
  std::string prompt;
  std::string target;                  ///< the template's target + the EOS text
  std::vector<std::string> examples;   ///< example ids in the order they appear in the prompt
  std::string input;                   ///< the query's input, untruncated (the predictions' first column)
  std::size_t line = 0;                ///< its line in the file it was read from (0: made in memory)
};

// What to do with a query that has no neighbour lines at all.
enum class MissingNeighbours {
  fail,       ///< stop with dataset:line (default: a wrong or partial neighbour file)
  zero_shot,  ///< write its zero-shot prompt, and count it
  skip,       ///< leave the row out, and count it
};
// What to do with a query that has fewer usable neighbours than n_shot.
enum class ShortNeighbours {
  use,   ///< use what there is, and count it (default)
  fail,  ///< stop with dataset:line
};

MissingNeighbours parse_missing_neighbours(const std::string& name);  // fail, zero-shot, skip
ShortNeighbours parse_short_neighbours(const std::string& name);      // use, fail

struct PlanOptions {
  data::Task task = data::Task::mol2cap;
  std::size_t n_shot = 2;  ///< examples per prompt; 0 = zero-shot prompts (no neighbours needed)
  std::size_t skip = 0;    ///< ranks skipped first (the official code's start_pos: 1 for cap2mol training)
  MissingNeighbours missing = MissingNeighbours::fail;
  ShortNeighbours short_lists = ShortNeighbours::use;
};

struct PlanCounts {
  std::size_t queries = 0;            ///< dataset rows read
  std::size_t planned = 0;            ///< plans made (rows left out by --missing skip are not)
  std::size_t missing_zero_shot = 0;  ///< queries without neighbours given zero-shot prompts
  std::size_t missing_skipped = 0;    ///< queries without neighbours left out
  std::size_t short_lists = 0;        ///< queries with fewer than n_shot examples
  std::size_t examples = 0;           ///< examples planned, all queries together
  std::size_t self_examples = 0;      ///< examples whose id is the query's own (a corpus that holds the queries)
  std::size_t unused_queries = 0;     ///< neighbour-file queries that are not in the dataset
};

// The corpus records by CID. When a CID occurs twice the later row wins, as
// in the official code's dict; duplicates are counted.
class CorpusLookup {
 public:
  explicit CorpusLookup(const data::Dataset& corpus);
  const data::MoleculeRecord* find(const std::string& cid) const;
  const std::string& path() const { return path_; }
  std::size_t duplicate_ids() const { return duplicates_; }

 private:
  std::string path_;
  std::vector<data::MoleculeRecord> records_;
  std::unordered_map<std::string, std::size_t> index_;  // CID -> position in records_
  std::size_t duplicates_ = 0;
};

// Plans every dataset row, in dataset order. With n_shot > 0, `neighbours`
// (read from `neighbour_path`) and `corpus` are required. Throws InputError
// ("file:line: what") for a neighbour id that is not in the corpus (checked
// on every line of the queries in the dataset, not only the ranks used), and
// for missing or short neighbour lists when their policy is fail.
std::vector<PromptPlan> plan_prompts(const data::Dataset& dataset, const CorpusLookup* corpus,
                                     const std::vector<data::QueryNeighbours>* neighbours,
                                     const std::string& neighbour_path, const PlanOptions& options,
                                     PlanCounts& counts);

// The EOS text a target ends with unless the user names one: the tokenizer's
// EOS token, else "</s>" (the official code's --add_eos default; also when
// there is no tokenizer). icma-prompt appends it and icma-generate strips it
// from the ground truth, so both take it from here.
std::string default_eos_text(const tokenizer::Tokenizer* tokenizer);

// How a plan is written.
struct RenderOptions {
  data::Task task = data::Task::mol2cap;
  bool reverse = true;          ///< most similar example last, next to the query (ICMA's sequence reversal)
  std::string eos_text = "</s>";
};

// The row for `plan` with its best `n_examples` examples (all when larger),
// and `input` as the query's text in the prompt (the budget passes a
// truncated one; the row's "input" field keeps plan.input).
PromptRecord render(const PromptTemplates& templates, const PromptPlan& plan, const RenderOptions& options,
                    std::size_t n_examples, const std::string& input);
inline PromptRecord render(const PromptTemplates& templates, const PromptPlan& plan, const RenderOptions& options) {
  return render(templates, plan, options, plan.examples.size(), plan.input);
}

}  // namespace icma::prompt
