#include "icma/data/neighbour_file.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/core/utf8.hpp"
#include "control_characters.hpp"

namespace icma::data {
namespace {

// ---- writing ------------------------------------------------------------------

void check_id(const std::string& path, const std::string& id, const char* what) {
  if (id.empty()) throw InputError(path, 0, std::string("empty ") + what);
  if (id.find_first_of("\t\r\n") != std::string::npos) {
    throw InputError(path, 0, std::string(what) + " '" + id + "' contains a tab or line break");
  }
}

void check_queries(const std::string& path, const std::vector<QueryNeighbours>& queries) {
  std::unordered_set<std::string_view> seen;
  for (const auto& query : queries) {
    check_id(path, query.query_id, "query id");
    if (!seen.insert(query.query_id).second) {
      throw InputError(path, 0, "query id '" + query.query_id + "' occurs twice");
    }
    for (const auto& entry : query.neighbours) {
      check_id(path, entry.neighbour_id, "neighbour id");
      if (!std::isfinite(entry.score)) {
        throw Error(path + ": score of neighbour '" + entry.neighbour_id + "' of query '" +
                    query.query_id + "' is not finite");
      }
    }
  }
}

// ---- reading ------------------------------------------------------------------

// The three fields of a line; false when it has another number of fields.
bool split_fields(std::string_view line, std::string_view (&fields)[3]) {
  const std::size_t first_tab = line.find('\t');
  if (first_tab == std::string_view::npos) return false;
  const std::size_t second_tab = line.find('\t', first_tab + 1);
  if (second_tab == std::string_view::npos) return false;
  if (line.find('\t', second_tab + 1) != std::string_view::npos) return false;
  fields[0] = line.substr(0, first_tab);
  fields[1] = line.substr(first_tab + 1, second_tab - first_tab - 1);
  fields[2] = line.substr(second_tab + 1);
  return true;
}

bool parse_score(std::string_view text, double& score) {
  const char* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, score);
  return result.ec == std::errc() && result.ptr == end && std::isfinite(score);
}

}  // namespace

std::string format_score(double score) {
  if (std::isnan(score)) return "nan";
  if (std::isinf(score)) return score < 0 ? "-inf" : "inf";

  // std::to_chars in scientific form gives the shortest digits that read back
  // to the same double, as "d.ddde+XX"; take them apart and lay them out the
  // way Python's float repr does.
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, score, std::chars_format::scientific);
  std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));

  std::string out;
  if (text.front() == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  const std::size_t e_pos = text.find('e');
  std::string digits;
  for (const char c : text.substr(0, e_pos)) {
    if (c != '.') digits += c;
  }
  const int exponent = std::atoi(std::string(text.substr(e_pos + 1)).c_str());
  const int ndigits = static_cast<int>(digits.size());

  if (exponent < -4 || exponent >= 16) {
    out += digits[0];
    if (ndigits > 1) out += '.' + digits.substr(1);
    out += exponent < 0 ? "e-" : "e+";
    const int magnitude = std::abs(exponent);
    if (magnitude < 10) out += '0';
    out += std::to_string(magnitude);
  } else if (exponent < 0) {
    out += "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
  } else if (exponent + 1 >= ndigits) {
    out += digits + std::string(static_cast<std::size_t>(exponent + 1 - ndigits), '0') + ".0";
  } else {
    const auto point = static_cast<std::size_t>(exponent + 1);
    out += digits.substr(0, point) + '.' + digits.substr(point);
  }
  return out;
}

void write_neighbour_file(const std::string& path, const std::vector<QueryNeighbours>& queries) {
  // Check everything first, so that a bad id leaves no partial output behind.
  check_queries(path, queries);
  AtomicFile file(path);
  std::ostream& out = file.stream();
  std::string line;
  for (const auto& query : queries) {
    for (const auto& entry : query.neighbours) {
      line.clear();
      line += query.query_id;
      line += '\t';
      line += entry.neighbour_id;
      line += '\t';
      line += format_score(entry.score);
      line += '\n';
      out << line;
    }
  }
  file.commit();
}

std::vector<QueryNeighbours> read_neighbour_file(const std::string& path) {
  const std::string content = read_file(path);
  std::vector<QueryNeighbours> queries;
  // Query ids whose block has ended, with the last line of that block.
  std::unordered_map<std::string, std::size_t> finished_blocks;
  std::size_t current_block_end = 0;
  std::size_t first_blank_line = 0;  // a blank line is an error unless only blanks follow

  // A neighbour that a block names twice (with the line), to refuse the repeat.
  std::unordered_map<std::string, std::size_t> block_neighbours;

  std::string_view rest(content);
  // A byte-order mark would become part of the first query id, which then
  // matches no query: dropped, as the TSV readers drop it.
  if (rest.substr(0, 3) == "\xEF\xBB\xBF") rest.remove_prefix(3);
  for (std::size_t line_number = 1; !rest.empty(); ++line_number) {
    const std::size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest.remove_prefix(newline == std::string_view::npos ? rest.size() : newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    if (line.empty()) {
      if (first_blank_line == 0) first_blank_line = line_number;
      continue;
    }
    if (first_blank_line != 0) throw InputError(path, first_blank_line, "blank line inside the file");
    if (const std::size_t bad = utf8::find_invalid(line); bad != std::string_view::npos) {
      throw InputError(path, line_number, "invalid UTF-8 at byte " + std::to_string(bad + 1) + " of the line");
    }
    if (const std::size_t at = detail::find_control_character(line, true); at != std::string_view::npos) {
      throw InputError(path, line_number, detail::describe_control_character(line, at));
    }

    std::string_view fields[3];
    if (!split_fields(line, fields)) {
      const auto count = static_cast<std::size_t>(std::count(line.begin(), line.end(), '\t')) + 1;
      throw InputError(path, line_number,
                       "expected 3 tab-separated fields (query_id, neighbour_id, score), found " +
                           std::to_string(count));
    }
    if (fields[0].empty()) throw InputError(path, line_number, "empty query id");
    if (fields[1].empty()) throw InputError(path, line_number, "empty neighbour id");
    double score = 0.0;
    if (!parse_score(fields[2], score)) {
      std::string what = "score '" + std::string(fields[2]) + "' is not a finite decimal number";
      if (line_number == 1) what += " (neighbour files have no header line)";
      throw InputError(path, line_number, what);
    }

    if (queries.empty() || queries.back().query_id != fields[0]) {
      if (!queries.empty()) finished_blocks.emplace(queries.back().query_id, current_block_end);
      const auto earlier = finished_blocks.find(std::string(fields[0]));
      if (earlier != finished_blocks.end()) {
        throw InputError(path, line_number,
                         "query id '" + earlier->first + "' appears again after other queries (its block ended at line " +
                             std::to_string(earlier->second) + ")");
      }
      queries.push_back(QueryNeighbours{std::string(fields[0]), {}});
      block_neighbours.clear();
    }
    // The same example twice would fill two of a prompt's n slots with one.
    const auto [seen, added] = block_neighbours.emplace(std::string(fields[1]), line_number);
    if (!added) {
      throw InputError(path, line_number,
                       "neighbour '" + seen->first + "' of query '" + queries.back().query_id + "' repeats line " +
                           std::to_string(seen->second));
    }
    queries.back().neighbours.push_back(NeighbourEntry{std::string(fields[1]), score});
    current_block_end = line_number;
  }
  return queries;
}

}  // namespace icma::data
