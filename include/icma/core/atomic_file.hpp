#pragma once
// Output files are written to a temporary name beside the target and renamed
// into place on commit(), so an interrupted run never leaves a truncated file
// that looks complete. Without commit() the temporary file is removed.

#include <fstream>
#include <string>

namespace icma {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  std::ostream& stream() { return out_; }
  // Flushes, syncs to disk and renames over the target; throws Error on failure.
  void commit();

 private:
  std::string path_;
  std::string temp_path_;
  std::ofstream out_;
  bool committed_ = false;
};

// Writes `content` to `path` atomically.
void write_file_atomically(const std::string& path, const std::string& content);

// Reads a whole file; a missing or unreadable file throws InputError.
std::string read_file(const std::string& path);

}  // namespace icma
