#include "icma/core/output_ownership.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include <spdlog/spdlog.h>

#include "icma/core/error.hpp"

namespace icma {
namespace fs = std::filesystem;
namespace {

constexpr const char* kLockSuffix = ".icma-lock";

// The path with symbolic links, "." and ".." resolved as far as it exists,
// without a trailing separator.
std::string resolved(const std::string& path) {
  std::error_code error;
  const fs::path absolute = fs::absolute(path, error);
  fs::path canonical = fs::weakly_canonical(absolute, error);
  if (error) canonical = absolute.lexically_normal();
  std::string text = canonical.string();
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

bool is_within(const std::string& inner, const std::string& outer) {
  return inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
         (outer == "/" || inner[outer.size()] == '/');
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code error;
  return fs::exists(a, error) && fs::exists(b, error) && fs::equivalent(a, b, error);
}

bool process_has_ended(long pid) {
  if (pid <= 0) return false;
  // EPERM: it runs, under another user.
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

// OUTPUT without trailing separators ("index/" and "index" lock the same file).
std::string without_trailing_separators(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

void refuse_output_over_inputs(const std::string& output, const std::vector<std::string>& inputs) {
  if (output.empty()) return;
  const std::string out = resolved(output);
  std::error_code error;
  const bool out_is_file = fs::is_regular_file(out, error);
  // The plainest reason first: an output that is an input.
  for (const std::string& input : inputs) {
    if (input.empty() || input == "-") continue;
    if (resolved(input) == out || same_file(input, output)) {
      throw InputError(output, 0, "is also an input (" + input + "); refusing to overwrite it: choose another output path");
    }
  }
  for (const std::string& input : inputs) {
    if (input.empty() || input == "-") continue;
    const std::string in = resolved(input);
    if (is_within(in, out)) {
      throw InputError(output, 0, "contains the input " + input +
                                      "; writing there could delete it: choose another output path");
    }
    if (out_is_file && fs::is_directory(in, error) && is_within(out, in)) {
      throw InputError(output, 0, "is a file of the input directory " + input +
                                      "; refusing to overwrite it: choose another output path");
    }
  }
}

void check_output_directory(const std::string& dir, const std::string& kind,
                            const std::function<bool(const std::string& dir)>& holds_own_kind) {
  std::error_code error;
  if (!fs::exists(dir, error)) return;
  if (!fs::is_directory(dir, error)) throw InputError(dir, 0, "exists and is not a directory");
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir, error)) names.push_back(entry.path().filename().string());
  if (error) throw InputError(dir, 0, "cannot list the directory: " + error.message());
  if (names.empty() || holds_own_kind(dir)) return;
  std::sort(names.begin(), names.end());
  std::string examples;
  for (std::size_t i = 0; i < std::min<std::size_t>(3, names.size()); ++i) {
    examples += (i > 0 ? ", '" : "'") + names[i] + "'";
  }
  throw InputError(dir, 0, "is not empty and does not hold " + kind + " (it has " + examples +
                               (names.size() > 3 ? ", ..." : "") +
                               "); refusing to write into it: choose a new or empty directory");
}

void remove_stale_temporaries(const std::string& path) {
  const fs::path target(without_trailing_separators(path));
  const std::string prefix = target.filename().string() + ".tmp.";
  fs::path parent = target.parent_path();
  if (parent.empty()) parent = ".";
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(parent, error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string pid = name.substr(prefix.size());
    if (pid.size() > 9 || !std::all_of(pid.begin(), pid.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    if (!process_has_ended(std::stol(pid))) continue;
    std::error_code ignored;
    fs::remove_all(entry.path(), ignored);
    spdlog::info("removed {}, left behind by an interrupted run (pid {})", entry.path().string(), pid);
  }
}

OutputLock::OutputLock(const std::string& output) : path_(without_trailing_separators(output) + kLockSuffix) {
  // A lock file that another process unlinks between our open() and flock()
  // is not the lock any more: check that the locked file is still the one at
  // the path, and try again if not.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw InputError(output, 0, "cannot create the lock file " + path_ + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int why = errno;
      char pid[32] = {0};
      const ssize_t got = ::pread(fd, pid, sizeof pid - 1, 0);
      ::close(fd);
      if (why == EWOULDBLOCK) {
        const std::string holder = got > 0 ? std::string(pid, static_cast<std::size_t>(got)) : "?";
        throw InputError(output, 0, "is being written by another process (pid " + holder.substr(0, holder.find('\n')) +
                                        ", lock " + path_ + "); wait for it to finish or choose another output");
      }
      throw InputError(output, 0, "cannot lock " + path_ + ": " + std::strerror(why));
    }
    struct stat locked {}, current {};
    if (::fstat(fd, &locked) == 0 && ::stat(path_.c_str(), &current) == 0 && locked.st_ino == current.st_ino &&
        locked.st_dev == current.st_dev) {
      fd_ = fd;
      const std::string pid = std::to_string(::getpid()) + "\n";
      if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
        spdlog::debug("{}: could not record the pid", path_);
      }
      return;
    }
    ::close(fd);
  }
  throw Error(path_ + ": the lock file keeps being replaced");
}

OutputLock::~OutputLock() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());  // while still locked, so that no one takes a lock on a file about to vanish
  ::close(fd_);
}

OutputClaim::OutputClaim(const std::vector<std::string>& outputs, const std::vector<std::string>& inputs) {
  std::set<std::string> claimed;
  for (const std::string& output : outputs) {
    if (output.empty()) continue;
    if (!claimed.insert(resolved(output)).second) {
      throw InputError(output, 0, "is given as two different outputs; choose one path for each");
    }
    refuse_output_over_inputs(output, inputs);
    const fs::path parent = fs::path(without_trailing_separators(output)).parent_path();
    std::error_code error;
    if (!parent.empty() && !fs::exists(parent, error)) {
      fs::create_directories(parent, error);
      if (error) throw InputError(output, 0, "cannot create the directory " + parent.string() + ": " + error.message());
    }
    locks_.push_back(std::make_unique<OutputLock>(output));
  }
}

OutputClaim::~OutputClaim() = default;

}  // namespace icma
