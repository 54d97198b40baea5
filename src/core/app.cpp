#include "icma/core/app.hpp"

#include <cstdio>
#include <mutex>

#include <spdlog/spdlog.h>

#include "icma/core/cli_checks.hpp"
#include "icma/core/error.hpp"
#include "icma/core/log.hpp"
#include "icma/core/parallel.hpp"
#include "icma/core/version.hpp"

namespace icma {
namespace {

// A message on one line: LibTorch's errors (c10::Error) append a stack trace
// after "Exception raised from"; it is dropped, and line breaks are joined.
std::string one_line(const std::string& message) {
  std::string text = message.substr(0, message.find("Exception raised from"));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text.empty() ? "failed without saying why" : text;
}

}  // namespace

unsigned CommonOptions::resolved_threads() const {
  const unsigned cores = hardware_threads();
  if (threads == 0) return cores;
  // More threads than cores only make LibTorch's kernels wait on each other
  // (--threads 1000 made generation 75 times slower): capped, with a warning.
  if (threads > cores) {
    static std::once_flag warned;
    std::call_once(warned, [&] { spdlog::warn("--threads {}: this machine has {} cores; using {}", threads, cores, cores); });
    return cores;
  }
  return threads;
}

void add_common_options(CLI::App& app, CommonOptions& options) {
  // Let the common flags follow a subcommand too ("icma-eval mol2cap F
  // --threads 2"); subcommands added after this call inherit the setting.
  app.fallthrough();
  app.set_version_flag("--version", std::string(app.get_name()) + " (icma) " + kVersion);
  app.add_option("--threads", options.threads, "worker threads (0 = all cores; more than the cores are capped)")
      ->check(cli::whole(0, 1 << 16))
      ->capture_default_str();
  app.add_option("--seed", options.seed, "random seed, for runs that draw random numbers")
      ->check(cli::whole(0, 1.8446744073709552e19))
      ->capture_default_str();
  app.add_option("--log-level", options.log_level, "trace, debug, info, warn, error, critical or off")
      ->capture_default_str();
}

int run_app(CLI::App& app, const CommonOptions& options, int argc, char** argv,
            const std::function<int()>& body) {
  // Bad flags get one line, like every other error.
  app.failure_message([](const CLI::App* failed, const CLI::Error& error) {
    return failed->get_name() + ": error: " + error.what() + " (see --help)\n";
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, version or the error
    return code == 0 ? 0 : 2;
  }
  try {
    init_logging(options.log_level);
    return body();
  } catch (const InputError& e) {
    std::fprintf(stderr, "%s: error: %s\n", app.get_name().c_str(), one_line(e.what()).c_str());
    return 2;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "%s: error: out of memory\n", app.get_name().c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", app.get_name().c_str(), one_line(e.what()).c_str());
    return 1;
  }
}

}  // namespace icma
