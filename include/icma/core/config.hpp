#pragma once
// JSON configuration files (model, training and prompt configs). Parse errors
// and missing or mistyped keys are reported with the file and, for syntax
// errors, the line.

#include <string>

#include <nlohmann/json.hpp>

#include "icma/core/error.hpp"

namespace icma {

class Config {
 public:
  static Config load(const std::string& path);
  static Config from_json(nlohmann::json json, std::string source = "<config>");

  bool has(const std::string& key) const { return json_.contains(key); }

  // The value at `key`; a missing key or a value of another type throws
  // InputError naming the file and the key.
  template <typename T>
  T get(const std::string& key) const {
    if (!json_.contains(key)) throw InputError(source_, 0, "missing key \"" + key + "\"");
    return convert<T>(key);
  }
  template <typename T>
  T get_or(const std::string& key, T fallback) const {
    return json_.contains(key) ? convert<T>(key) : fallback;
  }

  const nlohmann::json& json() const { return json_; }
  const std::string& source() const { return source_; }

 private:
  Config(nlohmann::json json, std::string source) : json_(std::move(json)), source_(std::move(source)) {}

  template <typename T>
  T convert(const std::string& key) const {
    try {
      return json_.at(key).get<T>();
    } catch (const nlohmann::json::exception& e) {
      throw InputError(source_, 0, "key \"" + key + "\": " + e.what());
    }
  }

  nlohmann::json json_;
  std::string source_;
};

}  // namespace icma
