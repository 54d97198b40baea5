#include "icma/core/write_failure.hpp"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace icma {

std::string write_failure_reason(const std::string& path) {
  const int error = errno;
  if (error != 0) return std::strerror(error);
  std::filesystem::path directory = std::filesystem::path(path).parent_path();
  if (directory.empty()) directory = ".";
  struct statvfs space {};
  if (::statvfs(directory.c_str(), &space) == 0 && (space.f_bavail == 0 || space.f_favail == 0)) {
    return "no space left on the device";
  }
  return "the data could not be written (disk full, quota or an I/O error)";
}

}  // namespace icma
