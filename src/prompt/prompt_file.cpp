#include "icma/prompt/prompt_file.hpp"

#include <fstream>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"

namespace icma::prompt {

std::string prompt_row_json(const PromptRecord& record) {
  // ordered_json keeps the keys in the documented order; dump() without an
  // indent writes no spaces and leaves UTF-8 unescaped, as json.dumps does
  // with ensure_ascii=False and compact separators.
  nlohmann::ordered_json row;
  row["id"] = record.id;
  row["task"] = data::task_name(record.task);
  row["prompt"] = record.prompt;
  row["target"] = record.target;
  row["examples"] = record.examples;
  row["input"] = record.input;
  try {
    return row.dump();
  } catch (const nlohmann::json::type_error& e) {
    throw InputError("row '" + record.id + "': text is not valid UTF-8 (" + e.what() + ")");
  }
}

void write_prompt_file(const std::string& path, const std::vector<PromptRecord>& records) {
  AtomicFile file(path);
  std::ostream& out = file.stream();
  std::string buffer;
  for (const PromptRecord& record : records) {
    buffer += prompt_row_json(record);
    buffer += '\n';
    if (buffer.size() > (1u << 20)) {
      out << buffer;
      buffer.clear();
    }
  }
  out << buffer;
  file.commit();
}

std::vector<PromptRecord> read_prompt_file(const std::string& path, const PromptFields& required) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "cannot open");
  return read_prompt_stream(in, path, required);
}

std::vector<PromptRecord> read_prompt_stream(std::istream& in, const std::string& name, const PromptFields& required) {
  std::vector<PromptRecord> records;
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    nlohmann::json row;
    try {
      row = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      throw InputError(name, number, std::string("not a JSON line: ") + e.what());
    }
    if (!row.is_object()) throw InputError(name, number, "expected a JSON object");
    // The field's text; nullopt when absent (or null) and not required.
    const auto text = [&](const char* key, bool is_required) -> std::optional<std::string> {
      const auto it = row.find(key);
      if (it == row.end() || it->is_null()) {
        if (is_required) throw InputError(name, number, std::string("no \"") + key + "\" field");
        return std::nullopt;
      }
      if (std::string_view(key) == "id" && it->is_number_integer()) return it->dump();
      if (!it->is_string()) throw InputError(name, number, std::string("\"") + key + "\" is not a string");
      return it->get<std::string>();
    };
    PromptRecord record;
    record.line = number;
    record.id = text("id", required.id).value_or(std::to_string(number));
    if (record.id.find_first_of("\t\r\n") != std::string::npos) {
      throw InputError(name, number, "\"id\" contains a tab or newline");
    }
    if (const auto task = text("task", required.task)) {
      try {
        record.task = data::parse_task(*task);
      } catch (const InputError& e) {
        throw InputError(name, number, e.what());
      }
    }
    record.prompt = *text("prompt", true);
    record.target = text("target", required.target).value_or("");
    record.input = text("input", false).value_or("");
    if (const auto examples = row.find("examples"); examples != row.end() && !examples->is_null()) {
      if (!examples->is_array()) throw InputError(name, number, "\"examples\" is not an array");
      for (const auto& id : *examples) {
        if (!id.is_string()) throw InputError(name, number, "\"examples\" holds a non-string id");
        record.examples.push_back(id.get<std::string>());
      }
    }
    records.push_back(std::move(record));
  }
  if (in.bad()) throw InputError(name, 0, "read error");
  return records;
}

}  // namespace icma::prompt
