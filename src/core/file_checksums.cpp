#include "icma/core/file_checksums.hpp"

#include <filesystem>

#include "icma/core/error.hpp"
#include "icma/core/sha256.hpp"

namespace icma {
namespace fs = std::filesystem;

nlohmann::json directory_checksums(const std::string& dir, const std::string& except) {
  nlohmann::json files = nlohmann::json::object();
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = fs::relative(entry.path(), dir).generic_string();
    if (name == except) continue;
    files[name] = {{"size", entry.file_size()}, {"sha256", sha256_file_hex(entry.path().string())}};
  }
  return files;
}

void verify_directory_checksums(const std::string& dir, const nlohmann::json& files, const std::string& except,
                                bool no_extra, const std::string& remedy) {
  const auto damaged = [&](const std::string& name, const std::string& what) {
    return InputError((fs::path(dir) / name).string(), 0, what + "; " + remedy);
  };
  if (!files.is_object()) throw InputError(dir, 0, "no list of its files' checksums; " + remedy);
  for (const auto& [name, expected] : files.items()) {
    if (name.empty() || fs::path(name).is_absolute() || name.find("..") != std::string::npos) {
      throw InputError(dir, 0, "lists a file outside it: \"" + name + "\"");
    }
    if (!expected.is_object() || !expected.contains("size") || !expected["size"].is_number_unsigned() ||
        !expected.contains("sha256") || !expected["sha256"].is_string()) {
      throw damaged(name, "its checksum entry is malformed");
    }
    std::error_code error;
    const std::uintmax_t size = fs::file_size(fs::path(dir) / name, error);
    if (error) throw damaged(name, "missing");
    if (size != expected["size"].get<std::uintmax_t>()) {
      throw damaged(name, std::to_string(size) + " bytes where " + std::to_string(expected["size"].get<std::uintmax_t>()) +
                              " were written");
    }
    if (sha256_file_hex((fs::path(dir) / name).string()) != expected["sha256"].get<std::string>()) {
      throw damaged(name, "its SHA-256 differs from the one recorded when it was written");
    }
  }
  if (!no_extra) return;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = fs::relative(entry.path(), dir).generic_string();
    if (name != except && !files.contains(name)) throw damaged(name, "not one of the files that were written");
  }
}

}  // namespace icma
