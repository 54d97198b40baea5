#pragma once
// Private to the sentence module: the small JSON files of a model directory
// (config.json, modules.json, sentence_bert_config.json, 1_Pooling/config.json)
// read with errors that name the file and the key, as "FILE: \"key\" must be ...".

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace icma::sentence::detail {

// Parses `path`; InputError naming the file (and the line of a syntax error)
// when it is missing, unreadable or not a JSON object.
nlohmann::json read_json_object(const std::filesystem::path& path);

// Typed fields of one JSON object; absent and null fields take the fallback.
class JsonFields {
 public:
  JsonFields(const nlohmann::json& object, std::string source) : object_(object), source_(std::move(source)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& what) const;
  bool has(const char* key) const;
  std::int64_t positive(const char* key) const;  // required
  std::int64_t positive(const char* key, std::int64_t fallback) const;
  std::int64_t integer(const char* key, std::int64_t fallback) const;
  double number(const char* key, double fallback) const;
  bool flag(const char* key, bool fallback) const;
  std::string text(const char* key, const std::string& fallback) const;
  const std::string& source() const { return source_; }

 private:
  const nlohmann::json& object_;
  std::string source_;
};

}  // namespace icma::sentence::detail
