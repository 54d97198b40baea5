#pragma once
// OUT.partial: the rows of a predictions file finished so far, so that a long
// generation run that is interrupted continues where it stopped instead of
// starting over. One line per finished row, appended and flushed batch by
// batch, in the order rows finish:
//
//   # icma-generate partial output: row<TAB>id<TAB>input<TAB>ground truth<TAB>output
//   # settings: {"generation": {...}, "model": {...}, ...}
//   17<TAB>CID<TAB>SMILES or caption<TAB>reference<TAB>generated text
//
// The settings line records what shapes the rows (one JSON object, from the
// caller), so that a resumed run with other settings is refused instead of
// mixed in; files written before it existed have none.
//
// `row` is the row's position among the run's inputs and `id` its id, which
// must both match on resume (else the file belongs to other inputs). When
// every row is done, the predictions file is written atomically from these
// rows in input order and the partial file removed.

#include <cstddef>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "icma/data/predictions.hpp"

namespace icma::data {

struct PartialRows {
  std::map<std::size_t, Prediction> rows;  // by row number
  nlohmann::json settings;                 // null for a file without a settings line
};

class PartialPredictions {
 public:
  // The rows already in `path`, and its settings. A last line cut short by a
  // crash is dropped from the file (it is truncated to its complete lines).
  // `ids[row]` is each input row's id. Throws InputError(path, line) for a
  // file that is not a partial output, a malformed line, or a row that is not
  // among the inputs.
  static PartialRows read(const std::string& path, const std::vector<std::string>& ids);

  // Opens `path` for appending to the rows read above (`append`), or creates
  // it with its header and `settings` lines. Throws InputError when it cannot
  // be written.
  PartialPredictions(const std::string& path, bool append, const nlohmann::json& settings);

  // Appends finished rows and flushes them to the file.
  void append(const std::vector<std::pair<std::size_t, Prediction>>& rows, const std::vector<std::string>& ids);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace icma::data
