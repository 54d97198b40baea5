#pragma once
// OUT.partial: the rows of a predictions file finished so far, so that a long
// generation run that is interrupted continues where it stopped instead of
// starting over. One line per finished row, appended and flushed batch by
// batch, in the order rows finish:
//
//   # icma-generate partial output: row<TAB>id<TAB>input<TAB>ground truth<TAB>output
//   17<TAB>CID<TAB>SMILES or caption<TAB>reference<TAB>generated text
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

#include "icma/data/predictions.hpp"

namespace icma::data {

class PartialPredictions {
 public:
  // The rows already in `path`, by row number. A last line cut short by a
  // crash is dropped from the file (it is truncated to its complete lines).
  // `ids[row]` is each input row's id. Throws InputError(path, line) for a
  // file that is not a partial output, a malformed line, or a row that is not
  // among the inputs.
  static std::map<std::size_t, Prediction> read(const std::string& path, const std::vector<std::string>& ids);

  // Opens `path` for appending to the rows read above (`append`), or creates
  // it with its header line. Throws InputError when it cannot be written.
  PartialPredictions(const std::string& path, bool append);

  // Appends finished rows and flushes them to the file.
  void append(const std::vector<std::pair<std::size_t, Prediction>>& rows, const std::vector<std::string>& ids);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::ofstream out_;
};

}  // namespace icma::data
