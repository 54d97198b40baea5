#pragma once
// Tab-separated files as the field uses them (ChEBI-20, PubChem324k, MolT5
// prediction files): a header line, then one record per line, fields split on
// TAB with no quoting (as Python's csv module reads them with QUOTE_NONE).
//
// Tolerated: a UTF-8 byte-order mark, CRLF line ends, blank lines (skipped,
// with a warning unless they end the file). Bad rows: invalid UTF-8, control
// characters other than TAB (a NUL or a stray carriage return inside a
// field), a line that repeats the header (two files joined), another number
// of fields than the header. Each is reported as file:line; the caller's
// BadRowPolicy decides whether that stops the run (fail) or the row is
// skipped and counted (skip).

#include <cstddef>
#include <string>
#include <vector>

namespace icma::data {

enum class BadRowPolicy { fail, skip };

// "fail" or "skip"; anything else throws InputError.
BadRowPolicy parse_bad_row_policy(const std::string& name);

struct TsvRow {
  std::size_t line = 0;  // 1-based line number in the file
  std::vector<std::string> fields;
};

struct TsvTable {
  std::string path;
  std::vector<std::string> header;
  std::vector<TsvRow> rows;
  std::size_t skipped_rows = 0;  // bad rows dropped under BadRowPolicy::skip
};

// Reads `path`. Requires a non-empty header; checks that every line is valid
// UTF-8 and has as many fields as the header. Throws InputError("file:line:
// what") for a bad header, and for a bad row under BadRowPolicy::fail.
TsvTable read_tsv(const std::string& path, BadRowPolicy policy);

// Index of column `name` in the header, or npos.
std::size_t find_column(const std::vector<std::string>& header, const std::string& name);

}  // namespace icma::data
