#include "icma/data/partial_predictions.hpp"

#include <cerrno>
#include <filesystem>
#include <sstream>

#include <spdlog/spdlog.h>

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/core/write_failure.hpp"
#include "icma/data/generated_text.hpp"

namespace icma::data {
namespace {

constexpr const char* kHeader = "# icma-generate partial output: row\tid\tinput\tground truth\toutput";
constexpr const char* kSettings = "# settings: ";

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t begin = 0;
  while (true) {
    const std::size_t tab = line.find('\t', begin);
    fields.push_back(line.substr(begin, tab == std::string::npos ? std::string::npos : tab - begin));
    if (tab == std::string::npos) return fields;
    begin = tab + 1;
  }
}

}  // namespace

PartialRows PartialPredictions::read(const std::string& path, const std::vector<std::string>& ids) {
  std::string content = read_file(path);
  const std::size_t last_newline = content.rfind('\n');
  const std::size_t complete = last_newline == std::string::npos ? 0 : last_newline + 1;
  if (complete < content.size()) {
    spdlog::warn("{}: dropping an incomplete last line (the run was interrupted while writing it)", path);
    content.resize(complete);
    std::filesystem::resize_file(path, complete);
  }
  PartialRows partial;
  std::map<std::size_t, Prediction>& done = partial.rows;
  std::istringstream in(content);
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (number == 1) {
      if (line != kHeader) throw InputError(path, 1, "not an icma-generate partial output file");
      continue;
    }
    if (number == 2 && line.rfind(kSettings, 0) == 0) {
      try {
        partial.settings = nlohmann::json::parse(line.substr(std::string(kSettings).size()));
      } catch (const nlohmann::json::exception& error) {
        throw InputError(path, 2, std::string("unreadable settings line: ") + error.what());
      }
      continue;
    }
    const std::vector<std::string> fields = split_tabs(line);
    if (fields.size() != 5) throw InputError(path, number, "expected 5 tab-separated fields");
    std::size_t row = 0;
    try {
      std::size_t used = 0;
      row = std::stoul(fields[0], &used);
      if (used != fields[0].size()) throw std::invalid_argument("trailing characters");
    } catch (const std::exception&) {
      throw InputError(path, number, "bad row number '" + fields[0] + "'");
    }
    if (row >= ids.size() || ids[row] != fields[1]) {
      throw InputError(path, number,
                       "row " + fields[0] + " (id " + fields[1] +
                           ") is not in the inputs: the partial file comes from other inputs; remove it or run "
                           "without --resume");
    }
    // Sanitised again: a file written before the rule held a carriage
    // return (or worse) that the predictions file cannot take.
    done[row] = Prediction{fields[2], fields[3], sanitise_generated_text(fields[4]), 0};
  }
  if (number == 0) throw InputError(path, 0, "empty partial file");
  return partial;
}

PartialPredictions::PartialPredictions(const std::string& path, bool append, const nlohmann::json& settings)
    : path_(path) {
  out_.open(path, append ? std::ios::app | std::ios::binary : std::ios::trunc | std::ios::binary);
  if (!out_) throw InputError(path, 0, "cannot write");
  if (!append) out_ << kHeader << '\n' << kSettings << settings.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n'
         << std::flush;
}

void PartialPredictions::append(const std::vector<std::pair<std::size_t, Prediction>>& rows,
                                const std::vector<std::string>& ids) {
  std::string lines;
  for (const auto& [row, prediction] : rows) {
    lines += std::to_string(row) + '\t' + ids.at(row) + '\t' + prediction.input + '\t' + prediction.ground_truth +
             '\t' + prediction.output + '\n';
  }
  errno = 0;
  out_ << lines << std::flush;
  if (!out_) throw Error(path_ + ": write failed: " + write_failure_reason(path_));
}

}  // namespace icma::data
