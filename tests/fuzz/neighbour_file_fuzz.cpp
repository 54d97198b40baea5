// libFuzzer target: ICMA neighbour files (data/neighbour_file.hpp; run by
// scripts/fuzz.sh). The input is the file. Only InputError may refuse it;
// what is accepted must have non-empty ids without control characters, no
// neighbour twice in a query's list, finite scores, and must write and read
// back the same (scores print as Python's repr, which reads back exactly).

#include <cmath>
#include <cstdint>
#include <set>
#include <string>

#include "fuzz_support.hpp"
#include "icma/data/neighbour_file.hpp"

namespace {

using namespace icma;
constexpr const char* kTarget = "neighbour_file_fuzz";

void check(const std::string& content) {
  const auto queries = data::read_neighbour_file(fuzz::scratch_file("in.tsv", content));
  for (const auto& query : queries) {
    if (query.query_id.empty()) fuzz::finding(kTarget, "an empty query id was accepted");
    std::set<std::string> seen;
    for (const auto& entry : query.neighbours) {
      if (entry.neighbour_id.empty()) fuzz::finding(kTarget, "an empty neighbour id was accepted");
      if (!std::isfinite(entry.score)) fuzz::finding(kTarget, "a non-finite score was accepted");
      if (!seen.insert(entry.neighbour_id).second) fuzz::finding(kTarget, "a repeated neighbour was accepted");
      for (const char c : query.query_id + entry.neighbour_id) {
        if (static_cast<unsigned char>(c) < 0x20) fuzz::finding(kTarget, "an id with a control character was accepted");
      }
    }
  }
  const std::string copy = fuzz::scratch_dir() + "/copy.tsv";
  data::write_neighbour_file(copy, queries);
  const auto again = data::read_neighbour_file(copy);
  if (again.size() != queries.size()) fuzz::finding(kTarget, "the file did not round-trip");
  for (std::size_t q = 0; q < again.size(); ++q) {
    if (again[q].query_id != queries[q].query_id || again[q].neighbours.size() != queries[q].neighbours.size()) {
      fuzz::finding(kTarget, "query " + std::to_string(q) + " did not round-trip");
    }
    for (std::size_t n = 0; n < again[q].neighbours.size(); ++n) {
      if (again[q].neighbours[n].neighbour_id != queries[q].neighbours[n].neighbour_id ||
          again[q].neighbours[n].score != queries[q].neighbours[n].score) {
        fuzz::finding(kTarget, "a neighbour or its score did not round-trip");
      }
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string content(reinterpret_cast<const char*>(data), size);
  fuzz::only_input_errors(kTarget, [&] { check(content); });
  return 0;
}
