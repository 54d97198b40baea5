#pragma once
// Translating many inputs with a causal LM: prompts in, MolT5 prediction rows
// out; the service behind icma-generate. Rows run in batches of similar
// length with Hugging Face-equivalent decoding (model/generation.hpp); the
// answer is cut from the generated text with the prompt templates; finished
// rows go to a resumable partial file (data/partial_predictions.hpp), so an
// interrupted run of hours continues where it stopped; the predictions file
// is written atomically at the end. Also the scoring of given targets, with
// the target span training uses (model/training_data.hpp).
//
// Where prompts come from is the caller's business: a prompt file
// (prompt/prompt_file.hpp), or plain inputs rendered zero-shot or with
// retrieved examples (prompt/builder.hpp, incontext/).

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "icma/data/predictions.hpp"
#include "icma/model/causal_lm.hpp"
#include "icma/model/generation.hpp"
#include "icma/prompt/builder.hpp"
#include "icma/prompt/template.hpp"
#include "icma/tokenizer/tokenizer.hpp"

namespace icma::translate {

// One prompt to answer, and where it came from.
struct Query {
  std::string id;
  std::string file;
  std::size_t line = 0;
  std::string prompt;
  std::string input;         ///< the query's SMILES or caption: the predictions' first column
  std::string ground_truth;  ///< the reference answer; "" when there is none
};

// Queries from prompt rows (read from `file`, or rendered): the input is the
// row's "input", else read from the prompt's last line with the templates;
// the ground truth is the target without its cue and EOS text. Throws
// InputError(file, line) for a row of another task than the first (one
// predictions file holds one task), an input that cannot be found, or an
// input or target holding a tab or newline.
std::vector<Query> queries_from_prompts(const std::vector<prompt::PromptRecord>& rows, const std::string& file,
                                        const prompt::PromptTemplates& templates, const std::string& eos_text);

struct TranslateOptions {
  // Decoding. eos_token_ids (the model's, plus the tokenizer's EOS),
  // pad_token_id (model::pad_token_id_for), decode and row_seeds are filled
  // in here; seed is the run's seed: row i samples from the stream (seed, i),
  // so batch size, order and resuming leave samples unchanged.
  model::GenerationOptions generation;
  // The prompt as the model reads it. The official ICMA inference strips each
  // prompt (str.strip()); over its cutoff C, one prompt at a time keeps its
  // last C - 256 tokens (truncate_over C, keep_tokens C - 256, keep_end), and
  // batched (--batch_infer) keeps its first C (the tokenizer's right-side
  // truncation: keep_end false).
  // Cap2Mol: ban tokens that would make the answer's SMILES syntactically
  // impossible to finish (smiles_constraint.hpp); refused for Mol2Cap.
  bool smiles_constraint = false;
  bool strip_prompts = false;
  std::size_t truncate_over = 0;  ///< prompts of more tokens are cut; 0 = never
  std::size_t keep_tokens = 0;    ///< tokens a cut prompt keeps; 0 = truncate_over
  bool keep_end = true;           ///< a cut prompt keeps its end (true) or its start
  std::size_t batch_size = 8;
  // An earlier run's OUT.partial is continued with `resume` (refused, naming
  // the setting, when the generation options, the prompts, or `identity`
  // differ from the settings it recorded), discarded with `restart`, and
  // refused with neither. With `resume`, a complete OUT whose inputs and
  // ground truths are the queries' is accepted as done (a predictions file
  // records no settings, so only its rows can be checked).
  bool resume = false;
  bool restart = false;
  // What else shapes the rows, recorded in OUT.partial: the identities of
  // the model, adapter, tokenizer and templates, the dtype.
  nlohmann::json identity = nlohmann::json::object();
  // Stop (as if killed, OUT.partial kept) once this many rows are generated
  // in this run; lets tests interrupt a run. 0 = never.
  std::size_t stop_after_rows = 0;
  unsigned threads = 1;
};

struct TranslateSummary {
  std::size_t rows = 0;      ///< predictions written
  std::size_t resumed = 0;   ///< rows taken from an earlier run's partial file
  std::map<model::FinishReason, std::size_t> finished;  ///< rows generated now, by why they stopped
  std::size_t new_tokens = 0;
  double seconds = 0.0;      ///< time spent generating
  bool already_complete = false;  ///< --resume found OUT complete: nothing was done
};

// Answers every query with the model (loaded from `model_dir` with `load`
// only when some row is left to generate) and writes the predictions file
// `out` of `task`. A prompt longer than the model's context is refused up
// front (InputError with file:line), before any time is spent generating.
TranslateSummary translate(const std::vector<Query>& queries, data::Task task, const std::string& model_dir,
                           const model::LoadOptions& load, const tokenizer::Tokenizer& tokenizer,
                           const prompt::PromptTemplates& templates, const TranslateOptions& options,
                           const std::string& out);

// The log-probability of each row's target given its prompt: the float64 sum
// of the float32 log-softmax of the target tokens, the target being the span
// training learns (model::tokenize_prompt_targets). Longest rows first, in
// batches. Throws InputError(file, line) for a row longer than the context.
std::vector<model::TargetScore> score(const std::vector<prompt::PromptRecord>& rows, const std::string& file,
                                      model::CausalLM& model, const tokenizer::Tokenizer& tokenizer,
                                      std::size_t batch_size, unsigned threads);

// id<TAB>logprob<TAB>n_tokens per row after a header, with 17 significant
// digits (the float64 sums read back exactly); written atomically.
void write_scores(const std::string& path, const std::vector<prompt::PromptRecord>& rows,
                  const std::vector<model::TargetScore>& scores);

}  // namespace icma::translate
