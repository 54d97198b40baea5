#include "icma/core/resume_check.hpp"

#include <filesystem>
#include <optional>
#include <set>

#include "icma/core/error.hpp"
#include "icma/core/sha256.hpp"

namespace icma {
namespace fs = std::filesystem;
namespace {

struct Difference {
  std::string path;
  nlohmann::json recorded, current;  // null when absent on that side
};

std::optional<Difference> first_difference(const nlohmann::json& recorded, const nlohmann::json& current,
                                           const std::string& path) {
  if (recorded.is_object() && current.is_object()) {
    std::set<std::string> keys;
    for (const auto& item : recorded.items()) keys.insert(item.key());
    for (const auto& item : current.items()) keys.insert(item.key());
    for (const std::string& key : keys) {
      const nlohmann::json none;
      const nlohmann::json& a = recorded.contains(key) ? recorded.at(key) : none;
      const nlohmann::json& b = current.contains(key) ? current.at(key) : none;
      if (auto found = first_difference(a, b, path.empty() ? key : path + "." + key)) return found;
    }
    return std::nullopt;
  }
  if (recorded == current) return std::nullopt;
  return Difference{path, recorded, current};
}

// A value as the message shows it: short, hashes cut to 12 digits.
std::string shown(const nlohmann::json& value) {
  if (value.is_null()) return "nothing";
  std::string text = value.is_string() ? value.get<std::string>() : value.dump();
  if (value.is_string() && text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos) {
    return "SHA-256 " + text.substr(0, 12) + "...";
  }
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

}  // namespace

nlohmann::json file_identities(const std::string& path, const std::vector<std::string>& names) {
  nlohmann::json identities = nlohmann::json::object();
  std::error_code error;
  if (fs::is_regular_file(path, error)) {
    identities[fs::path(path).filename().string()] = sha256_file_hex(path);
    return identities;
  }
  for (const std::string& name : names) {
    const fs::path file = fs::path(path) / name;
    if (fs::is_regular_file(file, error)) identities[name] = sha256_file_hex(file.string());
  }
  return identities;
}

void require_same_settings(const nlohmann::json& recorded, const nlohmann::json& current, const std::string& source,
                           const std::string& remedy) {
  const auto difference = first_difference(recorded, current, "");
  if (!difference) return;
  throw InputError(source, 0, "the setting " + difference->path + " differs: the earlier run used " +
                                  shown(difference->recorded) + ", this one " + shown(difference->current) + "; " +
                                  remedy);
}

}  // namespace icma
