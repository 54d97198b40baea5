// icma-eval end to end: the built command on small files, its exit codes,
// its error lines and its output files.

#include <gtest/gtest.h>

#include "icma/core/atomic_file.hpp"
#include "test_support.hpp"

namespace icma {
namespace {

using testing::CommandResult;

CommandResult run(const std::string& arguments) { return testing::run_command("icma-eval", arguments); }

std::string write(const std::string& name, const std::string& content) {
  const std::string path = testing::temp_dir() + "/" + name;
  testing::write_text(path, content);
  return path;
}

std::string vocab() { return testing::shared_dir() + "/vocab/scibert_scivocab_uncased/vocab.txt"; }

// Malformed files: one line naming file:line, exit code 2.
void expect_input_error(const std::string& task, const std::string& path, const std::string& expected) {
  const CommandResult result = run(task + " " + path + (task == "mol2cap" ? " --vocab " + vocab() : ""));
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_EQ(result.output, "icma-eval: error: " + path + expected + "\n");
}

TEST(IcmaEval, HelpAndVersion) {
  EXPECT_EQ(run("--help").exit_code, 0);
  EXPECT_EQ(run("mol2cap --help").exit_code, 0);
  const CommandResult version = run("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.output.find("icma-eval"), std::string::npos);
}

TEST(IcmaEval, BadFlagsExitWithTwo) {
  EXPECT_EQ(run("").exit_code, 2);
  EXPECT_EQ(run("cap2mol /does/not/exist.tsv").exit_code, 2);
  EXPECT_EQ(run("cap2mol " + write("ok.tsv", "description\tground truth\toutput\nx\tC\tC\n") + " --bad-rows maybe")
                .exit_code,
            2);
}

TEST(IcmaEval, MalformedInputNamesFileAndLine) {
  if (!testing::file_exists(vocab())) GTEST_SKIP() << "no SciBERT vocab under " << testing::shared_dir();
  expect_input_error("cap2mol", write("empty.tsv", ""), ":1: file is empty (expected a header line)");
  expect_input_error("cap2mol", write("no-header.tsv", "a caption\tCCO\tCCO\n"),
                     ":1: header has no \"description\" column; expected description<TAB>ground truth<TAB>output "
                     "for cap2mol");
  expect_input_error("mol2cap", write("wrong-header.tsv", "description\tground truth\toutput\nx\ty\tz\n"),
                     ":1: header has no \"SMILES\" column; expected SMILES<TAB>ground truth<TAB>output for mol2cap "
                     "(this looks like a cap2mol file)");
  expect_input_error("cap2mol", write("missing-column.tsv", "description\tground truth\nx\tC\n"),
                     ":1: header has no \"output\" column; expected description<TAB>ground truth<TAB>output for "
                     "cap2mol");
  expect_input_error("cap2mol", write("ragged.tsv", "description\tground truth\toutput\nx\tC\tC\ny\tC\n"),
                     ":3: expected 3 tab-separated fields (as in the header), found 2");
  expect_input_error("mol2cap", write("latin1.tsv", "SMILES\tground truth\toutput\nC\tcaf\xE9\tx\n"),
                     ":2: invalid UTF-8 at byte 6 of the line");
  expect_input_error("cap2mol", write("header-only.tsv", "description\tground truth\toutput\n"),
                     ": no rows to score");
}

TEST(IcmaEval, SkipPolicyCountsBadRows) {
  const std::string path = write("skip.tsv", "description\tground truth\toutput\nx\tCCO\tCCO\ny\tC\n");
  const CommandResult result = run("cap2mol " + path + " --bad-rows skip --log-level off");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("(1 rows, 1 bad rows skipped)"), std::string::npos) << result.output;
}

TEST(IcmaEval, Cap2MolScoresEmptyAndUnparsableOutputs) {
  // Row 1 exact, row 2 an empty output (parses to an empty molecule),
  // row 3 not a molecule at all: validity 2/3, exact 1/3.
  const std::string path =
      write("cap2mol.tsv", "description\tground truth\toutput\nethanol\tCCO\tOCC\nmethane\tC\t\nbenzene\tc1ccccc1\tc1ccc\n");
  const std::string json = testing::temp_dir() + "/cap2mol.json";
  const std::string rows = testing::temp_dir() + "/cap2mol-rows.tsv";
  const CommandResult result = run("cap2mol " + path + " --json " + json + " --per-example " + rows + " --log-level warn");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto metrics = testing::load_json(json)["metrics"];
  EXPECT_EQ(metrics["validity"].get<double>(), 2.0 / 3.0);
  EXPECT_EQ(metrics["exact"].get<double>(), 1.0 / 3.0);
  EXPECT_EQ(metrics["levenshtein"].get<double>(), (2.0 + 1.0 + 3.0) / 3.0);  // OCC/CCO, ""/C, c1ccc/c1ccccc1
  ASSERT_TRUE(metrics["maccs_fts"].is_number());  // averaged over the two rows whose output parses
  const std::string per_row = read_file(rows);
  EXPECT_EQ(per_row.substr(0, per_row.find('\n')),
            "line\toutput_parses\tground_truth_parses\texact\tlevenshtein\tmaccs\trdk\tmorgan");
  EXPECT_NE(per_row.find("\n3\t1\t1\t0\t1\t"), std::string::npos) << per_row;  // the empty output, scored
  EXPECT_NE(per_row.find("\n4\t0\t1\t0\t3\t\t\t\n"), std::string::npos) << per_row;
}

TEST(IcmaEval, Mol2CapStripsTheClsPrefixAndScoresEmptyOutputs) {
  if (!testing::file_exists(vocab())) GTEST_SKIP() << "no SciBERT vocab under " << testing::shared_dir();
  const std::string header = "SMILES\tground truth\toutput\n";
  const std::string plain = write("plain.tsv", header + "CCO\tThe molecule is ethanol.\tThe molecule is an alcohol.\n"
                                                      "C\tThe molecule is methane.\t\n");
  const std::string with_cls = write("cls.tsv", header + "CCO\tThe molecule is ethanol.\t[CLS] The molecule is an alcohol.\n"
                                                         "C\tThe molecule is methane.\t\n");
  const std::string json_plain = testing::temp_dir() + "/plain.json";
  const std::string json_cls = testing::temp_dir() + "/cls.json";
  ASSERT_EQ(run("mol2cap " + plain + " --vocab " + vocab() + " --json " + json_plain).exit_code, 0);
  ASSERT_EQ(run("mol2cap " + with_cls + " --vocab " + vocab() + " --json " + json_cls).exit_code, 0);
  const auto metrics = testing::load_json(json_plain)["metrics"];
  EXPECT_EQ(metrics, testing::load_json(json_cls)["metrics"]);
  EXPECT_EQ(testing::load_json(json_plain)["rows"].get<int>(), 2);
  EXPECT_GT(metrics["meteor"].get<double>(), 0.0);
  EXPECT_LT(metrics["meteor"].get<double>(), 1.0);  // the empty output scores 0 and counts
}

TEST(IcmaEval, BootstrapIntervalsAndPairedComparison) {
  // Eight molecules; "good" gets each one right, "bad" only two.
  const std::string header = "description\tground truth\toutput\n";
  const std::vector<std::string> truths = {"CCO", "C", "CC", "CCC", "CCCC", "c1ccccc1", "CCN", "CCCl"};
  std::string good = header, bad = header, other_rows = header;
  for (std::size_t i = 0; i < truths.size(); ++i) {
    const std::string caption = "molecule " + std::to_string(i);
    good += caption + "\t" + truths[i] + "\t" + truths[i] + "\n";
    bad += caption + "\t" + truths[i] + "\t" + (i < 2 ? truths[i] : std::string("O")) + "\n";
    other_rows += (i == 5 ? std::string("another caption") : caption) + "\t" + truths[i] + "\tC\n";
  }
  const std::string good_path = write("good.tsv", good);
  const std::string bad_path = write("bad.tsv", bad);
  const std::string json = testing::temp_dir() + "/paired.json";
  const CommandResult result =
      run("cap2mol " + good_path + " --paired " + bad_path + " --json " + json + " --seed 3 --log-level warn");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("| Exact       | 1.0000 | [1.0000, 1.0000] |"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("Paired bootstrap against " + bad_path), std::string::npos) << result.output;
  const auto report = testing::load_json(json);
  EXPECT_EQ(report["bootstrap"]["samples"].get<int>(), 1000);
  EXPECT_EQ(report["bootstrap"]["seed"].get<int>(), 3);
  EXPECT_EQ(report["intervals"]["exact"], nlohmann::json::parse("[1.0, 1.0]"));
  const auto exact = report["comparisons"][0]["metrics"]["exact"];
  EXPECT_DOUBLE_EQ(exact["difference"].get<double>(), 0.75);
  EXPECT_LT(exact["p_value"].get<double>(), 0.05);
  EXPECT_GT(exact["interval"][0].get<double>(), 0.0);
  // The same seed gives the same numbers.
  const std::string again = testing::temp_dir() + "/paired-again.json";
  ASSERT_EQ(run("cap2mol " + good_path + " --paired " + bad_path + " --json " + again + " --seed 3 --log-level warn")
                .exit_code,
            0);
  EXPECT_EQ(testing::load_json(again)["comparisons"], report["comparisons"]);
  EXPECT_EQ(testing::load_json(again)["intervals"], report["intervals"]);

  // Without --bootstrap there are no statistics, and --paired needs them.
  const std::string plain = testing::temp_dir() + "/plain-cap2mol.json";
  ASSERT_EQ(run("cap2mol " + good_path + " --bootstrap 0 --json " + plain + " --log-level warn").exit_code, 0);
  EXPECT_FALSE(testing::load_json(plain).contains("intervals"));
  const CommandResult needs = run("cap2mol " + good_path + " --bootstrap 0 --paired " + bad_path);
  EXPECT_EQ(needs.exit_code, 2);
  EXPECT_EQ(needs.output, "icma-eval: error: --paired needs --bootstrap N with N > 0\n");

  // Other rows cannot be paired: the first differing line is named.
  const std::string other_path = write("other-rows.tsv", other_rows);
  const CommandResult mismatch = run("cap2mol " + good_path + " --paired " + other_path + " --log-level warn");
  EXPECT_EQ(mismatch.exit_code, 2);
  EXPECT_EQ(mismatch.output, "icma-eval: error: " + other_path + ":7: input or ground truth differs from " +
                                 good_path + " line 7: a paired comparison needs the same test rows\n");
}

}  // namespace
}  // namespace icma
