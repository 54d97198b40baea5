#include "icma/core/app.hpp"

#include <cstdio>

#include <spdlog/spdlog.h>

#include "icma/core/error.hpp"
#include "icma/core/log.hpp"
#include "icma/core/parallel.hpp"
#include "icma/core/version.hpp"

namespace icma {

unsigned CommonOptions::resolved_threads() const { return threads == 0 ? hardware_threads() : threads; }

void add_common_options(CLI::App& app, CommonOptions& options) {
  // Let the common flags follow a subcommand too ("icma-eval mol2cap F
  // --threads 2"); subcommands added after this call inherit the setting.
  app.fallthrough();
  app.set_version_flag("--version", std::string(app.get_name()) + " (icma) " + kVersion);
  app.add_option("--threads", options.threads, "worker threads (0 = all cores)")->capture_default_str();
  app.add_option("--seed", options.seed, "random seed, for runs that draw random numbers")->capture_default_str();
  app.add_option("--log-level", options.log_level, "trace, debug, info, warn, error, critical or off")
      ->capture_default_str();
}

int run_app(CLI::App& app, const CommonOptions& options, int argc, char** argv,
            const std::function<int()>& body) {
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
    std::fprintf(stderr, "%s: error: %s\n", app.get_name().c_str(), e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", app.get_name().c_str(), e.what());
    return 1;
  }
}

}  // namespace icma
