#pragma once
// Who may write where: the rules every command follows before it writes an
// output, so that nothing a user owns is destroyed and no two runs mix.
//
//  - An output is never one of the command's inputs. Paths are compared after
//    resolving symbolic links, "." and ".." (and by inode when both exist, so
//    a hard link counts too); an output may not contain an input (a corpus
//    kept inside an index directory), and an output may not be an existing
//    file inside an input directory (OUT = MODEL_DIR/config.json).
//  - A directory output is absent, empty, or already holds this command's
//    kind of output, which the caller recognises (an index by its manifest, a
//    training run by its log). Anything else is refused, never replaced.
//  - While a command writes OUT it holds an exclusive advisory lock (flock)
//    on OUT.icma-lock beside it; a second process asking for the same output
//    is refused at once instead of splicing its lines into the first one's.
//    The lock file is removed on release (a kill -9 leaves it behind; the
//    next run takes it over, since the kernel dropped the dead lock).
//  - Temporaries of an output (OUT.tmp.PID, see atomic_file.hpp) whose
//    process no longer runs are removed by the next writer of OUT.

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace icma {

// Throws InputError naming both paths when `output` is, contains, or would
// overwrite a file of one of `inputs` (rules above). Empty paths and "-"
// (stdin) are ignored.
void refuse_output_over_inputs(const std::string& output, const std::vector<std::string>& inputs);

// Throws InputError when `dir` exists and is not a directory, or is a
// non-empty directory for which holds_own_kind(dir) is false; `kind` names
// what it should hold ("an icma index"). Absent and empty directories pass.
void check_output_directory(const std::string& dir, const std::string& kind,
                            const std::function<bool(const std::string& dir)>& holds_own_kind);

// Removes PATH.tmp.PID files and directories beside `path` whose process PID
// has ended (left by a run that was killed). Those of live processes stay.
void remove_stale_temporaries(const std::string& path);

// An exclusive advisory lock on OUTPUT.icma-lock, held for its lifetime.
class OutputLock {
 public:
  // Throws InputError when another process holds it (naming its pid).
  explicit OutputLock(const std::string& output);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  std::string path_;
  int fd_ = -1;
};

// What a command does before writing its outputs, in one call: every
// non-empty path of `outputs` must differ from the others and pass
// refuse_output_over_inputs; its parent directory is created; its lock is
// taken and held until the claim is destroyed.
class OutputClaim {
 public:
  OutputClaim(const std::vector<std::string>& outputs, const std::vector<std::string>& inputs);
  ~OutputClaim();
  OutputClaim(const OutputClaim&) = delete;
  OutputClaim& operator=(const OutputClaim&) = delete;

 private:
  std::vector<std::unique_ptr<OutputLock>> locks_;
};

}  // namespace icma
