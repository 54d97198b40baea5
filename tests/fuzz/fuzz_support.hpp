#pragma once
// What the libFuzzer targets of tests/fuzz share (scripts/fuzz.sh builds and
// runs them; not part of the CMake build): a scratch directory in memory for
// the readers that take paths, and the rule every target checks — bad input
// may only ever be refused with icma::InputError; any other exception, a
// crash or a sanitizer report is a finding.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "icma/core/error.hpp"

namespace icma::fuzz {

// A directory of this process's own, in /dev/shm when there is one.
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    const std::string base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    const std::string path = base + "/icma-fuzz-" + std::to_string(getpid());
    std::filesystem::create_directories(path);
    return path;
  }();
  return dir;
}

// Writes `content` to scratch_dir()/name and returns the path.
inline std::string scratch_file(const std::string& name, const std::string& content) {
  const std::string path = scratch_dir() + "/" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  return path;
}

[[noreturn]] inline void finding(const char* target, const std::string& what) {
  std::fprintf(stderr, "%s: finding: %s\n", target, what.c_str());
  std::abort();
}

// Runs body(); an InputError is the accepted way to refuse input, anything
// else thrown is a finding.
template <typename Body>
void only_input_errors(const char* target, Body body) {
  try {
    body();
  } catch (const InputError&) {
  } catch (const std::exception& error) {
    finding(target, std::string("threw something other than InputError: ") + error.what());
  } catch (...) {
    finding(target, "threw a non-standard exception");
  }
}

}  // namespace icma::fuzz
