#pragma once
// SHA-256 of files, as lower-case hex: index manifests record the corpus's
// hash so that a corpus changed after indexing is noticed.

#include <string>

namespace icma {

// Throws InputError when the file cannot be read.
std::string sha256_file_hex(const std::string& path);
std::string sha256_hex(const std::string& data);

}  // namespace icma
