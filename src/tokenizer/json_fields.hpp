#pragma once
// Private to the llm module: reading fields of tokenizer.json objects, with
// errors that name the field's path ("pre_tokenizer.pretokenizers[2].pattern").

#include <string>

#include <nlohmann/json.hpp>

#include "icma/core/error.hpp"
#include "regex.hpp"

namespace icma::tokenizer::detail {

[[noreturn]] inline void fail(const std::string& where, const std::string& what) {
  throw InputError("tokenizer.json: " + where + ": " + what);
}

// A field that must be present.
inline const nlohmann::json& field(const nlohmann::json& object, const char* name, const std::string& where) {
  const auto it = object.find(name);
  if (it == object.end()) fail(where, std::string("missing field \"") + name + "\"");
  return *it;
}

inline std::string string_field(const nlohmann::json& object, const char* name, const std::string& where) {
  const nlohmann::json& value = field(object, name, where);
  if (!value.is_string()) fail(where + "." + name, "expected a string");
  return value.get<std::string>();
}

// A boolean that may be absent or null (then `fallback`).
inline bool bool_field(const nlohmann::json& object, const char* name, const std::string& where, bool fallback) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) fail(where + "." + name, "expected true or false");
  return it->get<bool>();
}

// HF's `Pattern` field "pattern": {"String": literal} or {"Regex": Oniguruma}.
inline Regex pattern_field(const nlohmann::json& object, const std::string& where) {
  const nlohmann::json& pattern = field(object, "pattern", where);
  const std::string path = where + ".pattern";
  if (!pattern.is_object() || pattern.size() != 1) fail(path, "expected {\"String\": ...} or {\"Regex\": ...}");
  if (pattern.contains("String")) {
    if (!pattern["String"].is_string()) fail(path + ".String", "expected a string");
    return Regex::literal(pattern["String"].get<std::string>(), "tokenizer.json: " + path + ".String");
  }
  if (pattern.contains("Regex")) {
    if (!pattern["Regex"].is_string()) fail(path + ".Regex", "expected a string");
    return Regex(pattern["Regex"].get<std::string>(), "tokenizer.json: " + path + ".Regex");
  }
  fail(path, "expected {\"String\": ...} or {\"Regex\": ...}");
}

}  // namespace icma::tokenizer::detail
