#include "icma/data/tsv.hpp"

#include <algorithm>
#include <string_view>

#include <spdlog/spdlog.h>

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/core/utf8.hpp"
#include "control_characters.hpp"

namespace icma::data {
namespace {

std::vector<std::string> split_tabs(std::string_view line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', start);
    if (tab == std::string_view::npos) {
      fields.emplace_back(line.substr(start));
      return fields;
    }
    fields.emplace_back(line.substr(start, tab - start));
    start = tab + 1;
  }
}

// The lines of `text` without their "\n" or "\r\n" ends. A final line
// without a newline is a line too; the empty piece after a final newline is not.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

bool is_blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

}  // namespace

BadRowPolicy parse_bad_row_policy(const std::string& name) {
  if (name == "fail") return BadRowPolicy::fail;
  if (name == "skip") return BadRowPolicy::skip;
  throw InputError("unknown bad-row policy '" + name + "' (use fail or skip)");
}

std::size_t find_column(const std::vector<std::string>& header, const std::string& name) {
  const auto it = std::find(header.begin(), header.end(), name);
  return it == header.end() ? std::string::npos : static_cast<std::size_t>(it - header.begin());
}

TsvTable read_tsv(const std::string& path, BadRowPolicy policy) {
  const std::string content = read_file(path);
  std::string_view text = content;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte-order mark

  const std::vector<std::string_view> lines = split_lines(text);
  if (lines.empty() || is_blank(lines[0])) {
    throw InputError(path, 1, lines.empty() ? "file is empty (expected a header line)"
                                            : "first line is blank (expected a header line)");
  }
  if (const std::size_t bad = utf8::find_invalid(lines[0]); bad != std::string_view::npos) {
    throw InputError(path, 1, "invalid UTF-8 at byte " + std::to_string(bad + 1) + " of the header");
  }

  TsvTable table;
  table.path = path;
  table.header = split_tabs(lines[0]);

  // Blank lines after the last record are tolerated silently; blank lines
  // between records are skipped with a warning.
  std::size_t last = lines.size();
  while (last > 1 && is_blank(lines[last - 1])) --last;

  table.rows.reserve(last - 1);
  for (std::size_t i = 1; i < last; ++i) {
    const std::size_t line_number = i + 1;
    std::string problem;
    std::vector<std::string> fields;
    if (const std::size_t bad = utf8::find_invalid(lines[i]); bad != std::string_view::npos) {
      problem = "invalid UTF-8 at byte " + std::to_string(bad + 1) + " of the line";
    } else if (const std::size_t control = detail::find_control_character(lines[i], true);
               control != std::string_view::npos) {
      problem = detail::describe_control_character(lines[i], control);
    } else if (lines[i] == lines[0]) {
      problem = "repeats the header line (two files joined into one?)";
    } else if (is_blank(lines[i])) {
      // Python's csv.DictReader, which the reference scripts use, skips
      // blank lines too; say so rather than drop them silently.
      spdlog::warn("{}:{}: blank line skipped", path, line_number);
      continue;
    } else {
      fields = split_tabs(lines[i]);
      if (fields.size() != table.header.size()) {
        problem = "expected " + std::to_string(table.header.size()) + " tab-separated fields (as in the header), found " +
                  std::to_string(fields.size());
      }
    }
    if (!problem.empty()) {
      if (policy == BadRowPolicy::fail) throw InputError(path, line_number, problem);
      spdlog::warn("{}:{}: {}; row skipped", path, line_number, problem);
      ++table.skipped_rows;
      continue;
    }
    table.rows.push_back(TsvRow{line_number, std::move(fields)});
  }
  return table;
}

}  // namespace icma::data
