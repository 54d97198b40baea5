#include "icma/data/predictions.hpp"

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"

namespace icma::data {

Task parse_task(const std::string& name) {
  if (name == "mol2cap") return Task::mol2cap;
  if (name == "cap2mol") return Task::cap2mol;
  throw InputError("unknown task '" + name + "' (use mol2cap or cap2mol)");
}

const char* task_name(Task task) { return task == Task::mol2cap ? "mol2cap" : "cap2mol"; }

const char* input_column(Task task) { return task == Task::mol2cap ? "SMILES" : "description"; }

PredictionFile read_predictions(const std::string& path, Task task, BadRowPolicy policy) {
  TsvTable table = read_tsv(path, policy);
  const std::string expected = std::string(input_column(task)) + "<TAB>ground truth<TAB>output";
  const std::size_t input = find_column(table.header, input_column(task));
  const std::size_t ground_truth = find_column(table.header, "ground truth");
  const std::size_t output = find_column(table.header, "output");
  for (const auto& [column, name] : {std::pair{input, input_column(task)}, std::pair{ground_truth, "ground truth"},
                                     std::pair{output, "output"}}) {
    if (column == std::string::npos) {
      std::string hint;
      if (task == Task::mol2cap && find_column(table.header, "description") != std::string::npos) {
        hint = " (this looks like a cap2mol file)";
      } else if (task == Task::cap2mol && find_column(table.header, "SMILES") != std::string::npos) {
        hint = " (this looks like a mol2cap file)";
      }
      throw InputError(path, 1,
                       std::string("header has no \"") + name + "\" column; expected " + expected + " for " +
                           task_name(task) + hint);
    }
  }

  PredictionFile file;
  file.path = path;
  file.task = task;
  file.skipped_rows = table.skipped_rows;
  file.rows.reserve(table.rows.size());
  for (TsvRow& row : table.rows) {
    file.rows.push_back(Prediction{std::move(row.fields[input]), std::move(row.fields[ground_truth]),
                                   std::move(row.fields[output]), row.line});
  }
  return file;
}

void write_predictions(const std::string& path, Task task, const std::vector<Prediction>& rows) {
  AtomicFile file(path);
  std::ostream& out = file.stream();
  out << input_column(task) << "\tground truth\toutput\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Prediction& row = rows[i];
    for (const std::string* field : {&row.input, &row.ground_truth, &row.output}) {
      if (field->find_first_of("\t\r\n") != std::string::npos) {
        throw InputError(path, 0, "prediction " + std::to_string(i + 1) + ": a field contains a tab or newline");
      }
    }
    out << row.input << '\t' << row.ground_truth << '\t' << row.output << '\n';
  }
  file.commit();
}

}  // namespace icma::data
