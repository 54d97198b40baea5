#pragma once
// Why a write failed, in words a user can act on. C++ streams often leave
// errno unset when a full disk makes a write fail, which used to print an
// empty reason; this falls back to asking the file system for free space.

#include <string>

namespace icma {

// strerror(errno) when errno says something; else "no space left on the
// device" when the file system holding `path` has no free blocks, else a
// generic reason that names the likely causes.
std::string write_failure_reason(const std::string& path);

}  // namespace icma
