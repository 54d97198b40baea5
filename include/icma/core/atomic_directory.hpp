#pragma once
// Directories built in one go (an index): the content is written into a
// temporary directory beside the target, and commit() swaps it into place in
// one atomic rename (renameat2 RENAME_EXCHANGE when a previous version
// exists), so a crash at any point leaves either the old directory intact or
// the new one complete. Without commit() the temporary directory is removed.

#include <string>

namespace icma {

class AtomicDirectory {
 public:
  explicit AtomicDirectory(std::string path);
  ~AtomicDirectory();
  AtomicDirectory(const AtomicDirectory&) = delete;
  AtomicDirectory& operator=(const AtomicDirectory&) = delete;

  // Where to write the new content.
  const std::string& staging_path() const { return staging_path_; }
  // Replaces `path` by the staged directory; throws Error on failure.
  void commit();

 private:
  std::string path_;
  std::string staging_path_;
  bool committed_ = false;
};

}  // namespace icma
