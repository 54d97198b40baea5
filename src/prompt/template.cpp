#include "icma/prompt/template.hpp"

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"

namespace icma::prompt {
namespace {

constexpr const char* kSmiles = "{smiles}";
constexpr const char* kCaption = "{caption}";

// The placeholder each field must hold: the task's input for query and
// zero-shot, its output for the target, both for an example.
struct Requirement {
  const char* field;
  std::vector<const char*> placeholders;
};

std::string trim(const std::string& text) {
  const char* blanks = " \t\r\n";
  const std::size_t begin = text.find_first_not_of(blanks);
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(blanks) - begin + 1);
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

TaskTemplate read_task(const nlohmann::json& json, const char* task, const std::string& source) {
  const auto object = json.find(task);
  if (object == json.end() || !object->is_object()) {
    throw InputError(source, 0, std::string("missing object \"") + task + "\"");
  }
  const bool mol2cap = std::string(task) == "mol2cap";
  const char* input = mol2cap ? kSmiles : kCaption;
  const char* output = mol2cap ? kCaption : kSmiles;
  const std::vector<Requirement> requirements = {
      {"example", {kSmiles, kCaption}}, {"query", {input}}, {"zero_shot", {input}}, {"target", {output}}, {"cue", {}}};
  std::vector<std::string> values;
  for (const Requirement& requirement : requirements) {
    const std::string where = std::string(task) + "." + requirement.field;
    const auto field = object->find(requirement.field);
    if (field == object->end()) throw InputError(source, 0, "missing field \"" + where + "\"");
    if (!field->is_string()) throw InputError(source, 0, "field \"" + where + "\" is not a string");
    const std::string value = field->get<std::string>();
    for (const char* placeholder : requirement.placeholders) {
      if (value.find(placeholder) == std::string::npos) {
        throw InputError(source, 0, "field \"" + where + "\" has no " + placeholder + " placeholder");
      }
    }
    values.push_back(value);
  }
  if (trim(values[4]).empty()) throw InputError(source, 0, std::string("field \"") + task + ".cue\" is empty");
  return TaskTemplate{values[0], values[1], values[2], values[3], values[4]};
}

}  // namespace

std::string fill(const std::string& text, const std::vector<std::pair<std::string, std::string>>& values) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    bool replaced = false;
    if (text[i] == '{') {
      for (const auto& [name, value] : values) {
        const std::string key = "{" + name + "}";
        if (text.compare(i, key.size(), key) == 0) {
          out += value;
          i += key.size();
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

PromptTemplates PromptTemplates::from_json(const std::string& json_text, const std::string& source) {
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(source, 0, std::string("not valid JSON: ") + e.what());
  }
  if (!json.is_object()) throw InputError(source, 0, "expected a JSON object");
  PromptTemplates templates;
  templates.source_ = source;
  templates.mol2cap_ = read_task(json, "mol2cap", source);
  templates.cap2mol_ = read_task(json, "cap2mol", source);
  if (const auto wrapping = json.find("smiles_wrapping"); wrapping != json.end()) {
    try {
      templates.wrap_smiles_ = wrapping->value("enabled", false);
      templates.open_ = wrapping->value("open", templates.open_);
      templates.close_ = wrapping->value("close", templates.close_);
    } catch (const nlohmann::json::exception& e) {
      throw InputError(source, 0, std::string("field \"smiles_wrapping\": ") + e.what());
    }
  }
  return templates;
}

PromptTemplates PromptTemplates::load(const std::string& path) { return from_json(read_file(path), path); }

std::string PromptTemplates::default_path() {
  const char* env = std::getenv("ICMA_CONFIG_DIR");
  if (env != nullptr && *env != '\0') return std::string(env) + "/prompts/icma.json";
#ifdef ICMA_CONFIG_DIR
  return std::string(ICMA_CONFIG_DIR) + "/prompts/icma.json";
#else
  return "configs/prompts/icma.json";
#endif
}

std::string PromptTemplates::smiles_text(const std::string& smiles) const {
  return wrap_smiles_ ? open_ + smiles + close_ : smiles;
}

std::string PromptTemplates::unwrap_smiles(const std::string& text) const {
  if (text.size() >= open_.size() + close_.size() && starts_with(text, open_) && ends_with(text, close_)) {
    return text.substr(open_.size(), text.size() - open_.size() - close_.size());
  }
  return text;
}

std::string PromptTemplates::prompt(data::Task task, const std::string& query_input,
                                    const std::vector<Example>& examples) const {
  const TaskTemplate& t = this->task(task);
  const bool mol2cap = task == data::Task::mol2cap;
  const std::string input = mol2cap ? smiles_text(query_input) : query_input;
  const char* input_name = mol2cap ? "smiles" : "caption";
  if (examples.empty()) return fill(t.zero_shot, {{input_name, input}});
  std::string out;
  for (const Example& example : examples) {
    out += fill(t.example, {{"smiles", smiles_text(example.smiles)}, {"caption", example.caption}});
  }
  return out + fill(t.query, {{input_name, input}});
}

std::string PromptTemplates::target(data::Task task, const std::string& answer, const std::string& eos_text) const {
  const bool mol2cap = task == data::Task::mol2cap;
  const std::string output = mol2cap ? answer : smiles_text(answer);
  return fill(this->task(task).target, {{mol2cap ? "caption" : "smiles", output}}) + eos_text;
}

std::string PromptTemplates::answer_of_target(data::Task task, const std::string& target,
                                              const std::string& eos_text) const {
  std::string text = target;
  if (!eos_text.empty() && ends_with(text, eos_text)) text.resize(text.size() - eos_text.size());
  text = trim(text);
  const std::string cue = trim(this->task(task).cue);
  if (starts_with(text, cue)) text = trim(text.substr(cue.size()));
  return task == data::Task::cap2mol ? unwrap_smiles(text) : text;
}

std::string PromptTemplates::answer_cue(data::Task task) const { return trim(this->task(task).cue); }

std::string PromptTemplates::answer_of_output(data::Task task, const std::string& generated) const {
  const std::string cue = answer_cue(task);
  const std::size_t at = generated.find(cue);
  const std::string after = at == std::string::npos ? generated : generated.substr(at + cue.size());
  std::size_t begin = 0;
  std::string line;
  while (begin <= after.size()) {
    std::size_t end = after.find('\n', begin);
    if (end == std::string::npos) end = after.size();
    line = trim(after.substr(begin, end - begin));
    if (!line.empty()) break;
    begin = end + 1;
  }
  return task == data::Task::cap2mol ? unwrap_smiles(line) : line;
}

std::optional<std::string> PromptTemplates::input_of_prompt(data::Task task, const std::string& prompt) const {
  std::string text = prompt;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const std::string last_line = text.substr(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
  const bool mol2cap = task == data::Task::mol2cap;
  const std::string placeholder = mol2cap ? kSmiles : kCaption;
  for (const std::string* pattern : {&this->task(task).query, &this->task(task).zero_shot}) {
    const std::size_t at = pattern->find(placeholder);
    const std::size_t line_begin = pattern->rfind('\n', at) == std::string::npos ? 0 : pattern->rfind('\n', at) + 1;
    std::size_t line_end = pattern->find('\n', at);
    if (line_end == std::string::npos) line_end = pattern->size();
    const std::string prefix = pattern->substr(line_begin, at - line_begin);
    std::string suffix = pattern->substr(at + placeholder.size(), line_end - at - placeholder.size());
    if (line_end == pattern->size()) {  // the prompt's trailing newlines were stripped; so are the pattern's
      while (!suffix.empty() && suffix.back() == '\r') suffix.pop_back();
    }
    if (last_line.size() >= prefix.size() + suffix.size() && starts_with(last_line, prefix) &&
        ends_with(last_line, suffix)) {
      const std::string input = last_line.substr(prefix.size(), last_line.size() - prefix.size() - suffix.size());
      return mol2cap ? unwrap_smiles(input) : input;
    }
  }
  return std::nullopt;
}

}  // namespace icma::prompt
