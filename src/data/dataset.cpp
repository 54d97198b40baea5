#include "icma/data/dataset.hpp"

#include <fstream>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/core/utf8.hpp"
#include "control_characters.hpp"

namespace icma::data {
namespace {

void trim_trailing_blanks(std::string& field) {
  while (!field.empty() && (field.back() == ' ' || field.back() == '\t')) field.pop_back();
}

void check_writable(const std::string& path, std::size_t index, const std::string& field) {
  if (field.find_first_of("\t\r\n") != std::string::npos) {
    throw InputError(path, 0, "record " + std::to_string(index + 1) + ": a field contains a tab or newline");
  }
}

}  // namespace

Dataset read_dataset(const std::string& path, BadRowPolicy policy) {
  TsvTable table = read_tsv(path, policy);
  std::size_t cid_column = find_column(table.header, "CID");
  if (cid_column == std::string::npos) cid_column = find_column(table.header, "cid");
  const std::size_t smiles_column = find_column(table.header, "SMILES");
  const std::size_t description_column = find_column(table.header, "description");
  if (cid_column == std::string::npos || smiles_column == std::string::npos ||
      description_column == std::string::npos || table.header.size() != 3) {
    throw InputError(path, 1, "expected the header CID<TAB>SMILES<TAB>description");
  }

  Dataset dataset;
  dataset.path = path;
  dataset.skipped_rows = table.skipped_rows;
  dataset.records.reserve(table.rows.size());
  std::unordered_map<std::string, std::size_t> line_of_id;
  line_of_id.reserve(table.rows.size());
  for (TsvRow& row : table.rows) {
    for (std::string& field : row.fields) trim_trailing_blanks(field);
    const char* empty = row.fields[cid_column].empty()           ? "CID"
                        : row.fields[smiles_column].empty()      ? "SMILES"
                        : row.fields[description_column].empty() ? "description"
                                                                 : nullptr;
    std::string problem;
    if (empty != nullptr) {
      problem = std::string("empty ") + empty + " field";
    } else if (const auto [first, added] = line_of_id.emplace(row.fields[cid_column], row.line); !added) {
      // Records are looked up by id (neighbour files, prompts): with two,
      // retrieval would match one row and the prompt show the other.
      problem = "CID " + row.fields[cid_column] + " repeats line " + std::to_string(first->second) +
                "; ids must be unique";
    }
    if (!problem.empty()) {
      if (policy == BadRowPolicy::fail) throw InputError(path, row.line, problem);
      spdlog::warn("{}:{}: {}; row skipped", path, row.line, problem);
      ++dataset.skipped_rows;
      continue;
    }
    dataset.records.push_back(MoleculeRecord{std::move(row.fields[cid_column]), std::move(row.fields[smiles_column]),
                                             std::move(row.fields[description_column]), row.line});
  }
  if (dataset.skipped_rows > 0) {
    spdlog::warn("{}: skipped {} bad row(s), kept {}", path, dataset.skipped_rows, dataset.records.size());
  }
  return dataset;
}

void write_dataset(const std::string& path, const std::vector<MoleculeRecord>& records) {
  AtomicFile file(path);
  std::ostream& out = file.stream();
  out << "CID\tSMILES\tdescription\n";
  for (std::size_t i = 0; i < records.size(); ++i) {
    const MoleculeRecord& record = records[i];
    check_writable(path, i, record.cid);
    check_writable(path, i, record.smiles);
    check_writable(path, i, record.description);
    out << record.cid << '\t' << record.smiles << '\t' << record.description << '\n';
  }
  file.commit();
}

Dataset read_plain_queries(const std::string& path, bool smiles) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "cannot open");
  Dataset dataset;
  dataset.path = path;
  std::string text;
  for (std::size_t number = 1; std::getline(in, text); ++number) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (number == 1 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);  // UTF-8 byte-order mark
    if (const std::size_t bad = utf8::find_invalid(text); bad != std::string::npos) {
      throw InputError(path, number, "invalid UTF-8 at byte " + std::to_string(bad + 1) + " of the line");
    }
    if (const std::size_t at = detail::find_control_character(text, true); at != std::string::npos) {
      throw InputError(path, number, detail::describe_control_character(text, at));
    }
    const std::size_t begin = text.find_first_not_of(" \t");
    if (begin == std::string::npos) {
      ++dataset.skipped_rows;
      continue;
    }
    text = text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
    if (text.find('\t') != std::string::npos) throw InputError(path, number, "contains a tab");
    MoleculeRecord record;
    record.cid = std::to_string(number);
    record.line = number;
    (smiles ? record.smiles : record.description) = std::move(text);
    dataset.records.push_back(std::move(record));
  }
  if (in.bad()) throw InputError(path, 0, "read error");
  if (dataset.skipped_rows > 0) spdlog::warn("{}: {} blank line(s) skipped", path, dataset.skipped_rows);
  return dataset;
}

}  // namespace icma::data
