#include <gtest/gtest.h>

#include "icma/core/error.hpp"
#include "icma/data/dataset.hpp"
#include "icma/data/predictions.hpp"
#include "test_support.hpp"

namespace icma::data {
namespace {

std::string write(const std::string& name, const std::string& content) {
  const std::string path = testing::temp_dir() + "/" + name;
  testing::write_text(path, content);
  return path;
}

// The message of the InputError that `body` throws, or "" if none.
template <typename Body>
std::string error_of(Body body) {
  try {
    body();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Dataset, ReadsChebiLayout) {
  const std::string path = write("chebi.tsv", "CID\tSMILES\tdescription\n1\tCCO\tThe molecule is ethanol.\n2\tC\tMethane.\n");
  const Dataset dataset = read_dataset(path);
  ASSERT_EQ(dataset.records.size(), 2u);
  EXPECT_EQ(dataset.records[0].cid, "1");
  EXPECT_EQ(dataset.records[0].smiles, "CCO");
  EXPECT_EQ(dataset.records[0].description, "The molecule is ethanol.");
  EXPECT_EQ(dataset.records[1].line, 3u);
}

TEST(Dataset, ToleratesBomCrlfTrailingBlanksAndLowercaseCid) {
  const std::string path =
      write("pubchem.tsv", "\xEF\xBB\xBF" "cid\tSMILES\tdescription\r\n7\tCCO\tEthanol is a solvent. \r\n\n\n");
  const Dataset dataset = read_dataset(path);
  ASSERT_EQ(dataset.records.size(), 1u);
  EXPECT_EQ(dataset.records[0].cid, "7");
  EXPECT_EQ(dataset.records[0].description, "Ethanol is a solvent.");
}

TEST(Dataset, BadRowsNameFileAndLine) {
  const std::string path = write("bad.tsv", "CID\tSMILES\tdescription\n1\tCCO\tok\n2\tCC\n3\t\tempty smiles\n");
  EXPECT_EQ(error_of([&] { read_dataset(path); }), path + ":3: expected 3 tab-separated fields (as in the header), found 2");
  const Dataset skipped = read_dataset(path, BadRowPolicy::skip);
  EXPECT_EQ(skipped.records.size(), 1u);
  EXPECT_EQ(skipped.skipped_rows, 2u);
  const std::string empty_field = write("empty-field.tsv", "CID\tSMILES\tdescription\n3\t\tx\n");
  EXPECT_EQ(error_of([&] { read_dataset(empty_field); }), empty_field + ":2: empty SMILES field");
}

TEST(Dataset, HeaderProblems) {
  const std::string empty = write("empty.tsv", "");
  EXPECT_EQ(error_of([&] { read_dataset(empty); }), empty + ":1: file is empty (expected a header line)");
  const std::string wrong = write("wrong.tsv", "id\tsmiles\ttext\n1\tC\tx\n");
  EXPECT_EQ(error_of([&] { read_dataset(wrong); }), wrong + ":1: expected the header CID<TAB>SMILES<TAB>description");
}

TEST(Dataset, InvalidUtf8NamesTheLine) {
  const std::string path = write("latin1.tsv", "CID\tSMILES\tdescription\n1\tC\tok\n2\tC\tcaf\xE9\n");
  EXPECT_EQ(error_of([&] { read_dataset(path); }), path + ":3: invalid UTF-8 at byte 8 of the line");
}

TEST(Dataset, WriteThenReadRoundTrips) {
  const std::string path = testing::temp_dir() + "/roundtrip.tsv";
  const std::vector<MoleculeRecord> records = {{"1", "CCO", "Ethanol.", 0}, {"2", "c1ccccc1", "Benzene.", 0}};
  write_dataset(path, records);
  const Dataset dataset = read_dataset(path);
  ASSERT_EQ(dataset.records.size(), 2u);
  EXPECT_EQ(dataset.records[1].smiles, "c1ccccc1");
  EXPECT_THROW(write_dataset(path, {{"1", "C\tC", "x", 0}}), InputError);
}

TEST(Predictions, ReadsMolt5FormatByColumnName) {
  const std::string path = write("pred.tsv", "SMILES\tground truth\toutput\nCCO\tEthanol.\t[CLS] Ethanol.\nC\tMethane.\t\n");
  const PredictionFile file = read_predictions(path, Task::mol2cap);
  ASSERT_EQ(file.rows.size(), 2u);
  EXPECT_EQ(file.rows[0].output, "[CLS] Ethanol.");  // kept verbatim; the metric strips it
  EXPECT_EQ(file.rows[1].output, "");                // empty outputs are rows to score
  EXPECT_EQ(file.rows[1].line, 3u);
}

TEST(Predictions, KeepsFieldsByteForByte) {
  const std::string path = write("spaces.tsv", "description\tground truth\toutput\n a caption \tCCO \t CCO\n");
  const PredictionFile file = read_predictions(path, Task::cap2mol);
  EXPECT_EQ(file.rows[0].input, " a caption ");
  EXPECT_EQ(file.rows[0].ground_truth, "CCO ");
  EXPECT_EQ(file.rows[0].output, " CCO");
}

TEST(Predictions, WrongHeaderSaysWhatWasExpected) {
  const std::string path = write("swapped.tsv", "description\tground truth\toutput\nx\tC\tC\n");
  EXPECT_EQ(error_of([&] { read_predictions(path, Task::mol2cap); }),
            path + ":1: header has no \"SMILES\" column; expected SMILES<TAB>ground truth<TAB>output for mol2cap "
                   "(this looks like a cap2mol file)");
  const std::string no_header = write("no-header.tsv", "CCO\tEthanol.\tEthanol.\n");
  EXPECT_NE(error_of([&] { read_predictions(no_header, Task::mol2cap); }).find(no_header + ":1: header has no"),
            std::string::npos);
}

TEST(Predictions, RowsOfDifferentLengths) {
  const std::string path = write("ragged.tsv", "SMILES\tground truth\toutput\nC\ta\tb\nC\ta\tb\textra\n");
  EXPECT_EQ(error_of([&] { read_predictions(path, Task::mol2cap); }),
            path + ":3: expected 3 tab-separated fields (as in the header), found 4");
}

TEST(Predictions, BlankLinesAreSkippedAsTheReferenceDoes) {
  const std::string path = write("gap.tsv", "SMILES\tground truth\toutput\nC\ta\tb\n\nC\ta\tb\n");
  const PredictionFile file = read_predictions(path, Task::mol2cap);
  ASSERT_EQ(file.rows.size(), 2u);
  EXPECT_EQ(file.rows[1].line, 4u);
  EXPECT_EQ(file.skipped_rows, 0u);  // not a bad row: csv.DictReader skips it too
}

TEST(Predictions, WriteThenRead) {
  const std::string path = testing::temp_dir() + "/written.tsv";
  write_predictions(path, Task::cap2mol, {{"a caption", "CCO", "", 0}});
  const PredictionFile file = read_predictions(path, Task::cap2mol);
  ASSERT_EQ(file.rows.size(), 1u);
  EXPECT_EQ(file.rows[0].output, "");
}

TEST(Dataset, ControlCharactersARepeatedHeaderAndRepeatedIdsAreBadRows) {
  const std::string nul = write("nul.tsv", std::string("CID\tSMILES\tdescription\n1\tCC\0O\tx\n", 33));
  EXPECT_EQ(error_of([&] { read_dataset(nul); }), nul + ":2: control character U+0000 at byte 5 of the line");
  const std::string cr = write("cr.tsv", "CID\tSMILES\tdescription\n1\tCCO\tan\rethanol\n");
  EXPECT_EQ(error_of([&] { read_dataset(cr); }), cr + ":2: control character U+000D at byte 9 of the line");
  const std::string joined =
      write("joined.tsv", "CID\tSMILES\tdescription\n1\tCCO\tx\nCID\tSMILES\tdescription\n2\tC\ty\n");
  EXPECT_EQ(error_of([&] { read_dataset(joined); }),
            joined + ":3: repeats the header line (two files joined into one?)");
  const std::string twice = write("twice.tsv", "CID\tSMILES\tdescription\n7\tCCO\tx\n8\tC\ty\n7\tCC\tz\n");
  EXPECT_EQ(error_of([&] { read_dataset(twice); }), twice + ":4: CID 7 repeats line 2; ids must be unique");
  const Dataset skipped = read_dataset(twice, BadRowPolicy::skip);
  ASSERT_EQ(skipped.records.size(), 2u);
  EXPECT_EQ(skipped.records[0].smiles, "CCO");  // the first one is kept
  EXPECT_EQ(skipped.skipped_rows, 1u);
}

TEST(PlainQueries, ABomIsDroppedAndInvalidUtf8OrControlCharactersAreRefused) {
  const std::string bom = write("bom.txt", "\xEF\xBB\xBF" "CCO\r\nC=O\n");
  const Dataset queries = read_plain_queries(bom, true);
  ASSERT_EQ(queries.records.size(), 2u);
  EXPECT_EQ(queries.records[0].smiles, "CCO");
  const std::string bad = write("bad.txt", "CCO\nC\xff" "O\n");
  EXPECT_EQ(error_of([&] { read_plain_queries(bad, true); }), bad + ":2: invalid UTF-8 at byte 2 of the line");
  const std::string nul = write("nul.txt", std::string("CCO\nC\0O\n", 9));
  EXPECT_EQ(error_of([&] { read_plain_queries(nul, true); }), nul + ":2: control character U+0000 at byte 2 of the line");
}

}  // namespace
}  // namespace icma::data
