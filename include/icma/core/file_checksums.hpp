#pragma once
// The files of a directory written in one go (an index, a training
// checkpoint), recorded by size and SHA-256 when it is written and checked
// before any of them is read again: a damaged file is named, instead of
// being handed to a reader that trusts it (Lucene++ allocated without bound
// on one; LibTorch printed a page of stack trace).

#include <string>

#include <nlohmann/json.hpp>

namespace icma {

// {path under dir: {"size": bytes, "sha256": hex}} for every regular file
// below `dir` (recursively) except `except`.
nlohmann::json directory_checksums(const std::string& dir, const std::string& except);

// Throws InputError naming the first file listed in `files` that is missing
// or differs (sizes are compared before any file is read), and, with
// `no_extra`, the first file below `dir` other than `except` that `files`
// does not list. `remedy` ends each message ("rebuild the index").
void verify_directory_checksums(const std::string& dir, const nlohmann::json& files, const std::string& except,
                                bool no_extra, const std::string& remedy);

}  // namespace icma
