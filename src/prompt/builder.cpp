#include "icma/prompt/builder.hpp"

#include <algorithm>
#include <unordered_set>

#include "icma/core/error.hpp"

namespace icma::prompt {
namespace {

// A query's block in the neighbour file and the file line of its first entry.
// read_neighbour_file keeps every entry in file order and allows no blank
// line before the end, so entry j of a block sits on line first_line + j.
struct Block {
  const data::QueryNeighbours* query = nullptr;
  std::size_t first_line = 0;
};

std::unordered_map<std::string, Block> index_blocks(const std::vector<data::QueryNeighbours>& neighbours) {
  std::unordered_map<std::string, Block> blocks;
  std::size_t line = 1;
  for (const auto& query : neighbours) {
    blocks.emplace(query.query_id, Block{&query, line});
    line += query.neighbours.size();
  }
  return blocks;
}

// Every neighbour of the query must be in the corpus, the unused ranks too:
// an unknown id means the neighbour file was made against another corpus.
void check_in_corpus(const Block& block, const CorpusLookup& corpus, const std::string& neighbour_path) {
  const auto& entries = block.query->neighbours;
  for (std::size_t j = 0; j < entries.size(); ++j) {
    if (corpus.find(entries[j].neighbour_id) == nullptr) {
      throw InputError(neighbour_path, block.first_line + j,
                       "neighbour id '" + entries[j].neighbour_id + "' (of query '" + block.query->query_id +
                           "') is not in the corpus " + corpus.path() +
                           "; was the neighbour file retrieved from another corpus?");
    }
  }
}

}  // namespace

MissingNeighbours parse_missing_neighbours(const std::string& name) {
  if (name == "fail") return MissingNeighbours::fail;
  if (name == "zero-shot") return MissingNeighbours::zero_shot;
  if (name == "skip") return MissingNeighbours::skip;
  throw InputError("unknown policy for queries without neighbours '" + name + "' (fail, zero-shot or skip)");
}

ShortNeighbours parse_short_neighbours(const std::string& name) {
  if (name == "use") return ShortNeighbours::use;
  if (name == "fail") return ShortNeighbours::fail;
  throw InputError("unknown policy for short neighbour lists '" + name + "' (use or fail)");
}

CorpusLookup::CorpusLookup(const data::Dataset& corpus) : path_(corpus.path), records_(corpus.records) {
  index_.reserve(records_.size());
  for (std::size_t i = 0; i < records_.size(); ++i) {
    const auto [it, inserted] = index_.emplace(records_[i].cid, i);
    if (!inserted) {
      it->second = i;  // the later row wins, as in the official code's dict
      ++duplicates_;
    }
  }
}

const data::MoleculeRecord* CorpusLookup::find(const std::string& cid) const {
  const auto it = index_.find(cid);
  return it == index_.end() ? nullptr : &records_[it->second];
}

std::vector<PromptPlan> plan_prompts(const data::Dataset& dataset, const CorpusLookup* corpus,
                                     const std::vector<data::QueryNeighbours>* neighbours,
                                     const std::string& neighbour_path, const PlanOptions& options,
                                     PlanCounts& counts) {
  counts = PlanCounts{};
  counts.queries = dataset.records.size();
  const bool in_context = options.n_shot > 0;
  if (in_context && (corpus == nullptr || neighbours == nullptr)) {
    throw InputError("in-context prompts (n-shot > 0) need a corpus and a neighbour file");
  }
  const bool mol2cap = options.task == data::Task::mol2cap;
  std::unordered_map<std::string, Block> blocks;
  if (in_context) blocks = index_blocks(*neighbours);

  std::vector<PromptPlan> plans;
  plans.reserve(dataset.records.size());
  std::unordered_set<std::string> dataset_ids;
  for (const data::MoleculeRecord& record : dataset.records) {
    PromptPlan plan;
    plan.id = record.cid;
    plan.line = record.line;
    plan.input = mol2cap ? record.smiles : record.description;
    plan.answer = mol2cap ? record.description : record.smiles;
    if (!in_context) {
      plans.push_back(std::move(plan));
      continue;
    }
    dataset_ids.insert(record.cid);

    const auto found = blocks.find(record.cid);
    if (found == blocks.end()) {
      if (options.missing == MissingNeighbours::fail) {
        throw InputError(dataset.path, record.line,
                         "query '" + record.cid + "' has no neighbours in " + neighbour_path +
                             " (--missing zero-shot or --missing skip to go on without them)");
      }
      if (options.missing == MissingNeighbours::skip) {
        ++counts.missing_skipped;
        continue;
      }
      ++counts.missing_zero_shot;
      plans.push_back(std::move(plan));
      continue;
    }

    const Block& block = found->second;
    check_in_corpus(block, *corpus, neighbour_path);
    const auto& entries = block.query->neighbours;
    for (std::size_t j = options.skip; j < entries.size() && plan.examples.size() < options.n_shot; ++j) {
      const data::MoleculeRecord& example = *corpus->find(entries[j].neighbour_id);
      if (example.cid == record.cid) ++counts.self_examples;
      plan.examples.push_back(RankedExample{example.cid, Example{example.smiles, example.description}});
    }
    if (plan.examples.size() < options.n_shot) {
      if (options.short_lists == ShortNeighbours::fail) {
        throw InputError(dataset.path, record.line,
                         "query '" + record.cid + "' has " + std::to_string(plan.examples.size()) +
                             " usable neighbour(s) in " + neighbour_path + " (" + std::to_string(entries.size()) +
                             " listed, " + std::to_string(options.skip) + " skipped), fewer than --n-shot " +
                             std::to_string(options.n_shot));
      }
      ++counts.short_lists;
    }
    counts.examples += plan.examples.size();
    plans.push_back(std::move(plan));
  }
  if (in_context) {
    counts.unused_queries = static_cast<std::size_t>(std::count_if(
        neighbours->begin(), neighbours->end(),
        [&](const data::QueryNeighbours& query) { return dataset_ids.count(query.query_id) == 0; }));
  }
  counts.planned = plans.size();
  return plans;
}

PromptRecord render(const PromptTemplates& templates, const PromptPlan& plan, const RenderOptions& options,
                    std::size_t n_examples, const std::string& input) {
  const std::size_t n = std::min(n_examples, plan.examples.size());
  std::vector<Example> examples;
  PromptRecord record;
  examples.reserve(n);
  record.examples.reserve(n);
  // The best n are the first n; reversal puts the best last, next to the query.
  for (std::size_t i = 0; i < n; ++i) {
    const RankedExample& ranked = plan.examples[options.reverse ? n - 1 - i : i];
    examples.push_back(ranked.example);
    record.examples.push_back(ranked.id);
  }
  record.id = plan.id;
  record.task = options.task;
  record.prompt = templates.prompt(options.task, input, examples);
  record.target = templates.target(options.task, plan.answer, options.eos_text);
  record.input = plan.input;
  return record;
}

std::string default_eos_text(const tokenizer::Tokenizer* tokenizer) {
  if (tokenizer != nullptr && tokenizer->special_tokens().eos) {
    if (auto token = tokenizer->id_to_token(*tokenizer->special_tokens().eos)) return *token;
  }
  return "</s>";
}

}  // namespace icma::prompt
