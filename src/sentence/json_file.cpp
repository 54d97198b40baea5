#include "json_file.hpp"

#include <algorithm>

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"

namespace icma::sentence::detail {

nlohmann::json read_json_object(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) throw InputError(path.string(), 0, "missing");
  const std::string text = read_file(path.string());
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const std::size_t end = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    const std::size_t line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + end, '\n'));
    throw InputError(path.string(), line, std::string("invalid JSON: ") + e.what());
  }
  if (!json.is_object()) throw InputError(path.string(), 0, "must hold a JSON object");
  return json;
}

void JsonFields::fail(const std::string& key, const std::string& what) const {
  throw InputError(source_, 0, "\"" + key + "\" " + what);
}

bool JsonFields::has(const char* key) const { return object_.contains(key) && !object_.at(key).is_null(); }

std::int64_t JsonFields::positive(const char* key) const {
  if (!has(key)) fail(key, "is missing");
  return positive(key, 0);
}

std::int64_t JsonFields::positive(const char* key, std::int64_t fallback) const {
  if (!has(key)) return fallback;
  const nlohmann::json& value = object_.at(key);
  if (!value.is_number_integer() || value.get<std::int64_t>() <= 0) fail(key, "must be a positive integer");
  return value.get<std::int64_t>();
}

std::int64_t JsonFields::integer(const char* key, std::int64_t fallback) const {
  if (!has(key)) return fallback;
  const nlohmann::json& value = object_.at(key);
  if (!value.is_number_integer()) fail(key, "must be an integer");
  return value.get<std::int64_t>();
}

double JsonFields::number(const char* key, double fallback) const {
  if (!has(key)) return fallback;
  if (!object_.at(key).is_number()) fail(key, "must be a number");
  return object_.at(key).get<double>();
}

bool JsonFields::flag(const char* key, bool fallback) const {
  if (!has(key)) return fallback;
  if (!object_.at(key).is_boolean()) fail(key, "must be true or false");
  return object_.at(key).get<bool>();
}

std::string JsonFields::text(const char* key, const std::string& fallback) const {
  if (!has(key)) return fallback;
  if (!object_.at(key).is_string()) fail(key, "must be a string");
  return object_.at(key).get<std::string>();
}

}  // namespace icma::sentence::detail
