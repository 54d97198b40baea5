#pragma once
// Errors carry their context (file, line, what was wrong) so that each app's
// main can print one clear line. Two kinds matter to callers:
//   InputError - the user's input is bad (a file, a flag); apps exit with 2.
//   Error      - anything else that went wrong; apps exit with 1.

#include <cstddef>
#include <stdexcept>
#include <string>

namespace icma {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class InputError : public Error {
 public:
  // A problem with the input as a whole (a flag, a missing file).
  explicit InputError(const std::string& what) : Error(what) {}
  // A problem at a place in a file: the message reads "file:line: what".
  // line 0 means "the file as a whole" and prints as "file: what".
  InputError(const std::string& file, std::size_t line, const std::string& what)
      : Error(format(file, line, what)), file_(file), line_(line) {}

  const std::string& file() const { return file_; }
  std::size_t line() const { return line_; }

 private:
  static std::string format(const std::string& file, std::size_t line, const std::string& what) {
    if (line == 0) return file + ": " + what;
    return file + ":" + std::to_string(line) + ": " + what;
  }
  std::string file_;
  std::size_t line_ = 0;
};

}  // namespace icma
