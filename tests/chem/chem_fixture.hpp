#pragma once
// The chem fixture (tests/fixtures/chem_rdkit.json, written by
// tests/reference/make_chem_fixtures.py with python3-rdkit 2022.09,
// python3-openbabel 3.1.1 and python3-levenshtein): molecule pairs with
// what the reference implementations say about each.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace icma::testing {

inline const nlohmann::json& chem_fixture() {
  static const nlohmann::json fixture = load_json(fixture_path("chem_rdkit.json"));
  return fixture;
}

// Every molecule of every pair ("a" and "b"), in order.
inline std::vector<nlohmann::json> chem_fixture_molecules() {
  std::vector<nlohmann::json> molecules;
  for (const auto& pair : chem_fixture()["pairs"]) {
    molecules.push_back(pair["a"]);
    molecules.push_back(pair["b"]);
  }
  return molecules;
}

}  // namespace icma::testing
