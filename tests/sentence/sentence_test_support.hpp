#pragma once
// Helpers for the sentence tests: the committed reference fixture
// (tests/fixtures/sentence/, written by tests/reference/sentence_reference.py)
// and scratch copies of its model directories to break or re-configure.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace icma::testing {

inline const std::vector<std::string> kSentenceModels = {"bert-mean-normalize", "roberta-mean"};

inline std::string sentence_model_dir(const std::string& name) { return fixture_path("sentence/" + name); }

inline const nlohmann::json& sentence_expected() {
  static const nlohmann::json expected = load_json(fixture_path("sentence/expected.json"));
  return expected;
}

// A fresh copy of a fixture model directory under the scratch directory.
inline std::string copy_sentence_model(const std::string& name, const std::string& copy_name) {
  const std::string copy = temp_dir() + "/" + copy_name;
  std::filesystem::remove_all(copy);
  std::filesystem::copy(sentence_model_dir(name), copy, std::filesystem::copy_options::recursive);
  return copy;
}

inline void write_json_file(const std::string& path, const nlohmann::json& json) { write_text(path, json.dump(2)); }

// The largest |a - b| over a row-major float matrix and a JSON matrix.
inline double max_abs_diff(const float* values, std::size_t dim, const nlohmann::json& expected) {
  double worst = 0.0;
  for (std::size_t row = 0; row < expected.size(); ++row) {
    for (std::size_t j = 0; j < dim; ++j) {
      worst = std::max(worst, std::abs(static_cast<double>(values[row * dim + j]) - expected[row][j].get<double>()));
    }
  }
  return worst;
}

// The captions (third column) of a ChEBI-20 split, with their CIDs.
struct Captions {
  std::vector<std::string> ids, texts;
};
inline Captions chebi20_captions(const std::string& split, std::size_t limit = SIZE_MAX) {
  std::ifstream in(shared_dir() + "/data/chebi20/" + split + ".txt");
  Captions out;
  std::string line;
  std::getline(in, line);  // header
  while (out.ids.size() < limit && std::getline(in, line)) {
    const std::size_t first = line.find('\t'), second = line.find('\t', first + 1);
    out.ids.push_back(line.substr(0, first));
    out.texts.push_back(line.substr(second + 1));
  }
  return out;
}

// Checks ranked neighbour ids against the reference's (id, score) list, ties
// aside: where ids differ, the reference's scores for both ids must be within
// `tie` of each other (an id beyond the reference's list only at its end).
// Returns "" or what differs.
inline std::string compare_neighbours(const std::vector<std::string>& got, const nlohmann::json& reference, double tie) {
  std::map<std::string, double> score;
  for (const auto& entry : reference) score.emplace(entry[0].get<std::string>(), entry[1].get<double>());
  for (std::size_t rank = 0; rank < got.size(); ++rank) {
    const std::string want = reference.at(rank)[0];
    if (got[rank] == want) continue;
    const double want_score = reference.at(rank)[1];
    const auto found = score.find(got[rank]);
    const double last_score = reference.back()[1];
    const double got_score = found != score.end() ? found->second : last_score;
    if (found == score.end() && want_score - last_score > tie) return "rank " + std::to_string(rank) + ": " + got[rank] + " is not among the reference's";
    if (std::abs(got_score - want_score) > tie) {
      return "rank " + std::to_string(rank) + ": " + got[rank] + " (reference score " + std::to_string(got_score) +
             ") instead of " + want + " (" + std::to_string(want_score) + ")";
    }
  }
  return "";
}

}  // namespace icma::testing
