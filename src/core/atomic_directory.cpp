#include "icma/core/atomic_directory.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "icma/core/error.hpp"
#include "icma/core/output_ownership.hpp"

namespace icma {
namespace fs = std::filesystem;

AtomicDirectory::AtomicDirectory(std::string path)
    : path_(std::move(path)), staging_path_(path_ + ".tmp." + std::to_string(getpid())) {
  std::error_code error;
  fs::remove_all(staging_path_, error);  // left over from a crashed run with our pid
  remove_stale_temporaries(path_);        // and those of crashed runs with other pids
  if (!fs::create_directories(staging_path_, error) && error) {
    throw InputError(path_, 0, "cannot create " + staging_path_ + ": " + error.message());
  }
}

AtomicDirectory::~AtomicDirectory() {
  if (!committed_) {
    std::error_code ignored;
    fs::remove_all(staging_path_, ignored);
  }
}

void AtomicDirectory::commit() {
  std::error_code error;
  if (fs::exists(path_, error)) {
    if (!fs::is_directory(path_, error)) throw InputError(path_, 0, "exists and is not a directory");
    // Swap old and new in one step, then delete the old one (now at the
    // staging path).
    if (renameat2(AT_FDCWD, staging_path_.c_str(), AT_FDCWD, path_.c_str(), RENAME_EXCHANGE) != 0) {
      throw Error(path_ + ": cannot swap in the new directory: " + std::strerror(errno));
    }
    committed_ = true;
    fs::remove_all(staging_path_, error);
    return;
  }
  if (std::rename(staging_path_.c_str(), path_.c_str()) != 0) {
    throw Error(path_ + ": cannot move the new directory into place: " + std::strerror(errno));
  }
  committed_ = true;
}

}  // namespace icma
