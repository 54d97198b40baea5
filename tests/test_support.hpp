#pragma once
// Helpers shared by the test binaries: where fixtures and the shared
// reference data live, and JSON loading.

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "icma/core/error.hpp"

namespace icma::testing {

// tests/fixtures, committed reference values (each names its generator).
inline std::string fixture_path(const std::string& name) { return std::string(ICMA_TEST_FIXTURES) + "/" + name; }

// ../shared (datasets, reference files); ICMA_SHARED_DIR overrides.
inline std::string shared_dir() {
  const char* env = std::getenv("ICMA_SHARED_DIR");
  return env != nullptr && *env != '\0' ? env : ICMA_DEFAULT_SHARED_DIR;
}

inline std::string wordnet_dir() {
  const char* env = std::getenv("ICMA_WORDNET_DIR");
  return env != nullptr && *env != '\0' ? env : "/usr/share/wordnet";
}

inline bool file_exists(const std::string& path) { return std::ifstream(path).good(); }

inline nlohmann::json load_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  return nlohmann::json::parse(in);
}

// A scratch directory unique to this test process, removed when the process
// exits (ctest runs every test in its own process: without this, each run left
// about a thousand directories in /tmp). A forked child that exits normally
// leaves it to its parent.
inline std::string temp_dir() {
  struct ScratchDirectory {
    std::string path = "/tmp/icma-test-XXXXXX";
    pid_t owner = getpid();
    ScratchDirectory() {
      if (mkdtemp(path.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    }
    ~ScratchDirectory() {
      std::error_code ignored;
      if (getpid() == owner) std::filesystem::remove_all(path, ignored);
    }
  };
  static const ScratchDirectory dir;
  return dir.path;
}

inline void write_text(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

// The message of the InputError `body` throws, or "no error".
inline std::string input_error_message(const std::function<void()>& body) {
  try {
    body();
  } catch (const icma::InputError& error) {
    return error.what();
  }
  return "no error";
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs one of the built commands (build/bin/NAME) with `arguments` (shell
// syntax) and collects its exit code and output.
inline CommandResult run_command(const std::string& name, const std::string& arguments) {
  const std::string command = std::string(ICMA_BIN_DIR) + "/" + name + " " + arguments + " 2>&1";
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buffer;
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) result.output += buffer.data();
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Runs body(t) for t = 0 .. threads-1, each on its own thread, all at once,
// and waits for them: for checking that shared objects are thread-safe.
template <typename Body>
void run_concurrently(int threads, Body body) {
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back([&body, t] { body(t); });
  for (auto& thread : pool) thread.join();
}

}  // namespace icma::testing
