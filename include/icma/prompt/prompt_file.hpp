#pragma once
// Prompt files (JSONL), what icma-prompt writes and icma-train and
// icma-generate read: one JSON object per line, keys in this order,
//   {"id":"CID","task":"mol2cap","prompt":"...","target":"...","examples":["CID",...],"input":"..."}
// no spaces between tokens, non-ASCII text as UTF-8 (not \u escapes), as
// Python's json.dumps(row, ensure_ascii=False, separators=(",", ":")) writes
// it, so files from either side compare byte for byte. The training text is
// prompt + target; the target ends with the EOS text.

#include <string>
#include <vector>

#include "icma/prompt/builder.hpp"

namespace icma::prompt {

// One row as JSON text, without the line feed.
std::string prompt_row_json(const PromptRecord& record);

// Writes the rows atomically (temporary file renamed into place).
void write_prompt_file(const std::string& path, const std::vector<PromptRecord>& records);

// Reads a prompt file. Blank lines are skipped; "examples" and "input" are
// optional. Throws InputError("file:line: what") for a line that is not a JSON
// object, a missing "id", "task", "prompt" or "target", a field of the wrong
// type, or an unknown task.
std::vector<PromptRecord> read_prompt_file(const std::string& path);

}  // namespace icma::prompt
