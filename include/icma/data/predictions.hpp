#pragma once
// Prediction files in MolT5's evaluation format, which every paper in the
// field scores:
//   mol2cap: "SMILES<TAB>ground truth<TAB>output"
//   cap2mol: "description<TAB>ground truth<TAB>output"
// Fields are kept byte for byte (the metrics see exactly what Python's csv
// module hands the reference scripts); empty outputs are valid rows.

#include <cstddef>
#include <string>
#include <vector>

#include "icma/data/tsv.hpp"

namespace icma::data {

enum class Task { mol2cap, cap2mol };

// "mol2cap" or "cap2mol"; anything else throws InputError.
Task parse_task(const std::string& name);
const char* task_name(Task task);
// Name of the input column: "SMILES" for mol2cap, "description" for cap2mol.
const char* input_column(Task task);

struct Prediction {
  std::string input;         // the SMILES (mol2cap) or description (cap2mol)
  std::string ground_truth;  // the reference caption or SMILES
  std::string output;        // the model's caption or SMILES
  std::size_t line = 0;
};

struct PredictionFile {
  std::string path;
  Task task = Task::mol2cap;
  std::vector<Prediction> rows;
  std::size_t skipped_rows = 0;
};

// Columns are found by name (extra columns are allowed and ignored, as the
// reference's csv.DictReader does); a missing column throws InputError at line 1.
PredictionFile read_predictions(const std::string& path, Task task, BadRowPolicy policy = BadRowPolicy::fail);

void write_predictions(const std::string& path, Task task, const std::vector<Prediction>& rows);

}  // namespace icma::data
