#pragma once
// What every icma-* command shares: the common flags (--threads, --seed,
// --log-level, --version) and one way of turning errors into a clear message
// and an exit code (0 ok, 1 failure, 2 bad input or bad flags).

#include <cstdint>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace icma {

struct CommonOptions {
  unsigned threads = 0;  // 0 = all hardware threads
  std::uint64_t seed = 42;
  std::string log_level = "info";

  unsigned resolved_threads() const;
};

// Call before adding subcommands, so that they accept the common flags too.
void add_common_options(CLI::App& app, CommonOptions& options);

// Parses the command line, sets up logging and runs `body`, mapping
// exceptions to messages on stderr and exit codes. Returns the exit code.
int run_app(CLI::App& app, const CommonOptions& options, int argc, char** argv,
            const std::function<int()>& body);

}  // namespace icma
