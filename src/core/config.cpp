#include "icma/core/config.hpp"

#include <algorithm>

#include "icma/core/atomic_file.hpp"

namespace icma {

Config Config::load(const std::string& path) {
  const std::string text = read_file(path);
  try {
    nlohmann::json json = nlohmann::json::parse(text);
    if (!json.is_object()) throw InputError(path, 1, "a config must be a JSON object");
    return Config(std::move(json), path);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based; turn it into a line number for the message.
    const std::size_t end = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    const std::size_t line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + end, '\n'));
    throw InputError(path, line, std::string("invalid JSON: ") + e.what());
  }
}

Config Config::from_json(nlohmann::json json, std::string source) {
  if (!json.is_object()) throw InputError(source, 0, "a config must be a JSON object");
  return Config(std::move(json), std::move(source));
}

}  // namespace icma
