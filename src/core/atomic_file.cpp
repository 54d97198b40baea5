#include "icma/core/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "icma/core/error.hpp"
#include "icma/core/output_ownership.hpp"
#include "icma/core/write_failure.hpp"

namespace icma {
namespace {

std::string system_error_text() { return std::strerror(errno); }

}  // namespace

AtomicFile::AtomicFile(std::string path)
    : path_(std::move(path)), temp_path_(path_ + ".tmp." + std::to_string(getpid())) {
  remove_stale_temporaries(path_);
  errno = 0;
  out_.open(temp_path_, std::ios::binary | std::ios::trunc);
  if (!out_) throw InputError(path_, 0, "cannot create file: " + system_error_text());
}

AtomicFile::~AtomicFile() {
  if (!committed_) {
    out_.close();
    std::remove(temp_path_.c_str());
  }
}

void AtomicFile::commit() {
  errno = 0;
  out_.flush();
  if (!out_) throw Error(path_ + ": write failed: " + write_failure_reason(temp_path_));
  out_.close();
  // fsync so that the rename never exposes a file whose data is not on disk.
  const int fd = ::open(temp_path_.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    throw Error(path_ + ": cannot rename " + temp_path_ + " into place: " + system_error_text());
  }
  committed_ = true;
}

void write_file_atomically(const std::string& path, const std::string& content) {
  AtomicFile file(path);
  file.stream() << content;
  file.commit();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "cannot open file: " + system_error_text());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw InputError(path, 0, "read failed: " + system_error_text());
  return buffer.str();
}

}  // namespace icma
