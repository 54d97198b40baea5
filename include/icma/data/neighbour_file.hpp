#pragma once
// Neighbour files, as the official ICMA code writes and reads them
// (phenixace/ICMA: data/gnn_similarity.py, data/easy_load_examples.py write
// them; dataset.py RetrievalDataset reads them; e.g.
// data/ChEBI-20/raw/test_10_shot_mol2cap_morgan.txt):
//
//   query_id<TAB>neighbour_id<TAB>score<LF>
//
// no header line, k lines per query in rank order (most similar first), the
// queries' blocks one after the other. The score is Python's str(float):
// the shortest decimal that reads back to the same double, e.g. "0.8", "1.0",
// "146.7263390927887", "1e-05". We write scores the same way (format_score),
// so our files and the official ones are interchangeable and diffable.
//
// Note: the official reader finds a query's neighbours by position, line
// (i - 1) * 10 + j for the i-th query of the split file, and ignores the
// query id column. Our reader groups lines by query id instead, so callers
// can match queries by id and blocks may hold any number of lines.

#include <string>
#include <vector>

namespace icma::data {

struct NeighbourEntry {
  std::string neighbour_id;
  double score;
};

struct QueryNeighbours {
  std::string query_id;
  std::vector<NeighbourEntry> neighbours;  // rank order, most similar first
};

// Writes `queries` atomically (temporary file renamed into place). A query
// with no neighbours writes no lines (so it is absent when read back).
// Throws InputError for an empty id, an id containing a tab, CR or LF, or a
// query id that occurs twice (its lines would not be one block); throws
// Error for a score that is not finite.
void write_neighbour_file(const std::string& path, const std::vector<QueryNeighbours>& queries);

// Reads a neighbour file, grouping consecutive lines with the same query id
// into one QueryNeighbours, in file order. Tolerates a UTF-8 byte-order mark,
// CRLF line ends and blank lines at the end of the file. Throws
// InputError("file:line: what") for a missing file, a blank line before the
// end, invalid UTF-8 or a control character, a line without exactly three
// tab-separated fields, an empty id, a score that is not a finite decimal
// number, a neighbour repeated in its query's block, and a query id that
// reappears after another query's block.
std::vector<QueryNeighbours> read_neighbour_file(const std::string& path);

// A score as Python's repr/str prints a float: shortest round-trip digits;
// positional notation with at least one digit after the point ("1.0") when
// the decimal exponent is in [-4, 16), else "d.ddde+XX" with at least two
// exponent digits ("1e-05", "1.5e+16"). Non-finite values print as Python
// does ("inf", "-inf", "nan").
std::string format_score(double score);

}  // namespace icma::data
