#pragma once
// Logging goes through spdlog's default logger, to stderr, so that stdout
// carries only results (tables, files piped onward).

#include <string>

namespace icma {

// Sets up the stderr logger. `level` is one of trace, debug, info, warn,
// error, critical, off; anything else throws InputError.
void init_logging(const std::string& level);

}  // namespace icma
