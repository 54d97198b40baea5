#pragma once
// Prompt files (JSONL), what icma-prompt writes and icma-train and
// icma-generate read: one JSON object per line, keys in this order,
//   {"id":"CID","task":"mol2cap","prompt":"...","target":"...","examples":["CID",...],"input":"..."}
// no spaces between tokens, non-ASCII text as UTF-8 (not \u escapes), as
// Python's json.dumps(row, ensure_ascii=False, separators=(",", ":")) writes
// it, so files from either side compare byte for byte. The training text is
// prompt + target; the target ends with the EOS text.

#include <istream>
#include <string>
#include <vector>

#include "icma/prompt/builder.hpp"

namespace icma::prompt {

// One row as JSON text, without the line feed.
std::string prompt_row_json(const PromptRecord& record);

// Writes the rows atomically (temporary file renamed into place).
void write_prompt_file(const std::string& path, const std::vector<PromptRecord>& records);

// Which fields a reader needs; "prompt" always. Training needs them all;
// generation needs a task and takes a target when there is one (its ground
// truth); scoring needs a target; counting tokens needs only the prompt.
struct PromptFields {
  bool id = true;      ///< when absent and not required: the line number
  bool task = true;    ///< when absent and not required: mol2cap
  bool target = true;  ///< when absent and not required: ""
};

// Reads a prompt file: the one reader of every command. Blank lines are
// skipped and a trailing CR dropped; "examples" and "input" are optional; an
// id may be a JSON integer. Each record keeps its line number. Throws
// InputError("file:line: what") for a line that is not a JSON object, a
// missing required field, a field of the wrong type, an unknown task, or an
// id holding a tab or newline (a predictions file could not carry it).
std::vector<PromptRecord> read_prompt_file(const std::string& path, const PromptFields& required = {});
// The same from a stream (e.g. standard input), named `name` in messages.
std::vector<PromptRecord> read_prompt_stream(std::istream& in, const std::string& name,
                                             const PromptFields& required = {});

}  // namespace icma::prompt
