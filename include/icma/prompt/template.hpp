#pragma once
// Prompt templates: how an ICMA prompt, its target and a model's answer are
// written, for both tasks. The strings live in a JSON file
// (configs/prompts/icma.json holds the official ICMA code's), so users can
// write their own; icma-prompt builds training prompts with them and
// icma-generate builds inference prompts and reads answers back.
//
// File format (every string field required, placeholders {smiles} and
// {caption}; any other text is literal):
//   {
//     "smiles_wrapping": {"enabled": false, "open": "[START_I_SMILES]", "close": "[END_I_SMILES]"},
//     "mol2cap": {"example": "...{smiles}...{caption}...", "query": "...{smiles}...",
//                 "zero_shot": "...{smiles}...", "target": "Caption: {caption}", "cue": "Caption:"},
//     "cap2mol": { same keys }
//   }
// A prompt is the examples (in the order given: the re-ranker puts the most
// similar last) followed by the query, or the zero-shot text when there are
// no examples. The target is `target` plus the tokenizer's EOS text. With
// SMILES wrapping (Galactica's convention), every SMILES that goes into a
// prompt or target is written open + SMILES + close.

#include <optional>
#include <string>
#include <vector>

#include "icma/data/predictions.hpp"

namespace icma::prompt {

struct TaskTemplate {
  std::string example;    // one in-context example: {smiles} and {caption}
  std::string query;      // the query after examples: its input's placeholder
  std::string zero_shot;  // the whole prompt when there are no examples
  std::string target;     // what the model is taught to answer: the output's placeholder
  std::string cue;        // the answer's prefix ("Caption:"), which outputs are read after
};

// One in-context example: a molecule and its caption.
struct Example {
  std::string smiles;
  std::string caption;
};

class PromptTemplates {
 public:
  // Reads a template file; a missing field, a non-string or a template that
  // lacks its placeholder throws InputError naming the file and the field.
  static PromptTemplates load(const std::string& path);
  static PromptTemplates from_json(const std::string& json_text, const std::string& source);

  // The default template file: $ICMA_CONFIG_DIR/prompts/icma.json when that
  // environment variable is set, else configs/prompts/icma.json of the source
  // tree this build came from (the ICMA_CONFIG_DIR compile definition), else
  // configs/prompts/icma.json relative to the working directory.
  static std::string default_path();

  const TaskTemplate& task(data::Task task) const { return task == data::Task::mol2cap ? mol2cap_ : cap2mol_; }
  bool wrap_smiles() const { return wrap_smiles_; }
  void set_wrap_smiles(bool wrap) { wrap_smiles_ = wrap; }
  const std::string& source() const { return source_; }

  // The SMILES as it is written in prompts (wrapped or not).
  std::string smiles_text(const std::string& smiles) const;
  // The inverse: a wrapped SMILES loses its markers; anything else is kept.
  std::string unwrap_smiles(const std::string& text) const;

  // The prompt for a query (a SMILES for mol2cap, a caption for cap2mol).
  std::string prompt(data::Task task, const std::string& query_input, const std::vector<Example>& examples) const;
  // The target for an answer (a caption for mol2cap, a SMILES for cap2mol): target + eos_text.
  std::string target(data::Task task, const std::string& answer, const std::string& eos_text) const;

  // Reading back, for icma-generate:
  // The answer in a target: without its cue and the EOS text, trimmed.
  std::string answer_of_target(data::Task task, const std::string& target, const std::string& eos_text) const;
  // The answer in generated text: what follows the cue's first occurrence (the
  // whole text when the cue is absent), its first non-empty line, trimmed; a
  // wrapped SMILES is unwrapped.
  std::string answer_of_output(data::Task task, const std::string& generated) const;
  // The cue as answer_of_output looks for it: trimmed.
  std::string answer_cue(data::Task task) const;
  // The query's input in a prompt built by prompt(): read from the prompt's
  // last non-empty line with the query (or zero-shot) template's text around
  // the placeholder; std::nullopt when the line does not fit either.
  std::optional<std::string> input_of_prompt(data::Task task, const std::string& prompt) const;

 private:
  TaskTemplate mol2cap_;
  TaskTemplate cap2mol_;
  bool wrap_smiles_ = false;
  std::string open_ = "[START_I_SMILES]";
  std::string close_ = "[END_I_SMILES]";
  std::string source_;
};

// `text` with every "{name}" replaced by its value (others kept literally).
std::string fill(const std::string& text, const std::vector<std::pair<std::string, std::string>>& values);

}  // namespace icma::prompt
