// libFuzzer target: the TSV readers of data/ (scripts/fuzz.sh). The first
// byte picks a reader, the rest is the file:
//   0 read_dataset (fail)  1 read_dataset (skip)  2 read_predictions mol2cap
//   3 read_predictions cap2mol (skip)  4 read_plain_queries  5 OUT.partial
//   6 sanitise_generated_text
// Beyond "only InputError", what a reader accepts must be writable and read
// back the same (the files between stages round-trip), and sanitised text
// must be valid UTF-8 without control characters, and sanitising it again
// must not change it.

#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "icma/core/utf8.hpp"
#include "icma/data/dataset.hpp"
#include "icma/data/generated_text.hpp"
#include "icma/data/partial_predictions.hpp"
#include "icma/data/predictions.hpp"

namespace {

using namespace icma;
constexpr const char* kTarget = "dataset_tsv_fuzz";

void check_field(const std::string& field) {
  if (!utf8::is_valid(field)) fuzz::finding(kTarget, "a field that is not valid UTF-8 was accepted");
  for (const char c : field) {
    if (static_cast<unsigned char>(c) < 0x20 && c != ' ') fuzz::finding(kTarget, "a field with a control character was accepted");
  }
}

void datasets(const std::string& content, data::BadRowPolicy policy) {
  const data::Dataset dataset = data::read_dataset(fuzz::scratch_file("in.tsv", content), policy);
  for (const auto& record : dataset.records) {
    check_field(record.cid), check_field(record.smiles), check_field(record.description);
  }
  const std::string copy = fuzz::scratch_dir() + "/copy.tsv";
  data::write_dataset(copy, dataset.records);
  const data::Dataset again = data::read_dataset(copy);
  if (again.records.size() != dataset.records.size()) fuzz::finding(kTarget, "a dataset did not round-trip");
  for (std::size_t i = 0; i < again.records.size(); ++i) {
    if (again.records[i].cid != dataset.records[i].cid || again.records[i].smiles != dataset.records[i].smiles ||
        again.records[i].description != dataset.records[i].description) {
      fuzz::finding(kTarget, "dataset row " + std::to_string(i) + " did not round-trip");
    }
  }
}

void predictions(const std::string& content, data::Task task, data::BadRowPolicy policy) {
  const data::PredictionFile file = data::read_predictions(fuzz::scratch_file("in.tsv", content), task, policy);
  for (const auto& row : file.rows) check_field(row.input), check_field(row.ground_truth), check_field(row.output);
  const std::string copy = fuzz::scratch_dir() + "/copy.tsv";
  data::write_predictions(copy, task, file.rows);
  const data::PredictionFile again = data::read_predictions(copy, task);
  if (again.rows.size() != file.rows.size()) fuzz::finding(kTarget, "predictions did not round-trip");
  for (std::size_t i = 0; i < again.rows.size(); ++i) {
    if (again.rows[i].output != file.rows[i].output || again.rows[i].input != file.rows[i].input) {
      fuzz::finding(kTarget, "prediction row " + std::to_string(i) + " did not round-trip");
    }
  }
}

void sanitised(const std::string& content) {
  const std::string clean = data::sanitise_generated_text(content);
  if (!utf8::is_valid(clean)) fuzz::finding(kTarget, "sanitised text is not valid UTF-8");
  for (const char32_t cp : utf8::decode(clean)) {
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029) {
      fuzz::finding(kTarget, "sanitised text holds a control character");
    }
  }
  if (data::sanitise_generated_text(clean) != clean) fuzz::finding(kTarget, "sanitising is not idempotent");
  // It must fit a predictions file.
  data::write_predictions(fuzz::scratch_dir() + "/sanitised.tsv", data::Task::mol2cap, {{"CCO", "x", clean, 0}});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string content(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 7) {
    case 0: fuzz::only_input_errors(kTarget, [&] { datasets(content, data::BadRowPolicy::fail); }); break;
    case 1: fuzz::only_input_errors(kTarget, [&] { datasets(content, data::BadRowPolicy::skip); }); break;
    case 2: fuzz::only_input_errors(kTarget, [&] { predictions(content, data::Task::mol2cap, data::BadRowPolicy::fail); }); break;
    case 3: fuzz::only_input_errors(kTarget, [&] { predictions(content, data::Task::cap2mol, data::BadRowPolicy::skip); }); break;
    case 4:
      fuzz::only_input_errors(kTarget, [&] {
        for (const bool smiles : {true, false}) {
          for (const auto& record : data::read_plain_queries(fuzz::scratch_file("in.txt", content), smiles).records) {
            check_field(smiles ? record.smiles : record.description);
          }
        }
      });
      break;
    case 5:
      fuzz::only_input_errors(kTarget, [&] {
        const std::vector<std::string> ids = {"0", "1", "2", "m0", "m1", "a", "b"};
        const data::PartialRows rows = data::PartialPredictions::read(fuzz::scratch_file("out.partial", content), ids);
        for (const auto& [row, prediction] : rows.rows) {
          if (row >= ids.size()) fuzz::finding(kTarget, "a partial row outside the inputs was accepted");
          check_field(prediction.output);
        }
      });
      break;
    default: fuzz::only_input_errors(kTarget, [&] { sanitised(content); }); break;
  }
  return 0;
}
