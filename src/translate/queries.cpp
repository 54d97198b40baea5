// Prompt rows -> the queries to answer, with their input and ground truth.

#include "icma/core/error.hpp"
#include "icma/translate/translate.hpp"

namespace icma::translate {
namespace {

bool has_tab_or_newline(const std::string& text) { return text.find_first_of("\t\r\n") != std::string::npos; }

}  // namespace

std::vector<Query> queries_from_prompts(const std::vector<prompt::PromptRecord>& rows, const std::string& file,
                                        const prompt::PromptTemplates& templates, const std::string& eos_text) {
  std::vector<Query> queries;
  queries.reserve(rows.size());
  if (rows.empty()) return queries;
  const data::Task task = rows.front().task;
  for (const prompt::PromptRecord& row : rows) {
    if (row.task != task) {
      throw InputError(file, row.line,
                       std::string("task ") + data::task_name(row.task) + ", but the first row's is " +
                           data::task_name(task) + ": one predictions file holds one task");
    }
    Query query;
    query.id = row.id;
    query.file = file;
    query.line = row.line;
    query.prompt = row.prompt;
    query.input = row.input;
    if (query.input.empty()) {
      const auto input = templates.input_of_prompt(task, row.prompt);
      if (!input) {
        throw InputError(file, row.line,
                         "cannot find the query's " + std::string(task == data::Task::mol2cap ? "SMILES" : "caption") +
                             " on the prompt's last line with the template " + templates.source() +
                             "; give it in an \"input\" field");
      }
      query.input = *input;
    }
    query.ground_truth = row.target.empty() ? "" : templates.answer_of_target(task, row.target, eos_text);
    if (has_tab_or_newline(query.input) || has_tab_or_newline(query.ground_truth)) {
      throw InputError(file, row.line, "the input or target holds a tab or newline, which a predictions file cannot carry");
    }
    queries.push_back(std::move(query));
  }
  return queries;
}

}  // namespace icma::translate
