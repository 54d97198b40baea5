// icma-prompt end to end. The fixture cases (tests/reference/make_prompt_fixtures.py,
// which builds prompts the way the official ICMA code does) must come out
// byte for byte from slices of ChEBI-20 test under ICMA_SHARED_DIR with a
// neighbour file in the official format: both tasks, reversal and rank
// order, [START_I_SMILES] wrapping, start_pos (--skip) and zero-shot. Then the
// error exits, the EOS choice and the token budget with Galactica's tokenizer.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "icma/core/atomic_file.hpp"
#include "icma/core/sha256.hpp"
#include "icma/tokenizer/tokenizer.hpp"
#include "icma/prompt/prompt_file.hpp"
#include "test_support.hpp"

namespace icma {
namespace {

using testing::CommandResult;

CommandResult run(const std::string& arguments) { return testing::run_command("icma-prompt", arguments); }

std::string scratch(const std::string& name) {
  const std::string dir = testing::temp_dir() + "/prompt";
  std::filesystem::create_directories(dir);
  return dir + "/" + name;
}

std::string write(const std::string& name, const std::string& content) {
  const std::string path = scratch(name);
  testing::write_text(path, content);
  return path;
}

std::string template_flag() { return " --template " + std::string(ICMA_SOURCE_DIR) + "/configs/prompts/icma.json"; }

std::string chebi(const std::string& name) { return testing::shared_dir() + "/data/chebi20/" + name; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The header and data rows [begin, end) of a TSV, bytes kept.
std::string slice(const std::string& path, std::size_t begin, std::size_t end) {
  const std::vector<std::string> lines = lines_of(read_file(path));
  std::string out = lines.at(0) + "\n";
  for (std::size_t i = begin; i < end; ++i) out += lines.at(i + 1) + "\n";
  return out;
}

// Where two texts first differ, by line, for a readable failure.
std::string first_difference(const std::string& actual, const std::string& expected) {
  const auto a = lines_of(actual), e = lines_of(expected);
  for (std::size_t i = 0; i < std::max(a.size(), e.size()); ++i) {
    const std::string x = i < a.size() ? a[i] : "<none>", y = i < e.size() ? e[i] : "<none>";
    if (x != y) return "line " + std::to_string(i + 1) + "\n  got:      " + x + "\n  expected: " + y;
  }
  return "same lines, different bytes (line ends?)";
}

TEST(IcmaPrompt, HelpTeachesWithAnExample) {
  const CommandResult help = run("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("Examples:"), std::string::npos) << help.output;
  EXPECT_NE(help.output.find("icma-prompt --task mol2cap --dataset"), std::string::npos);
  EXPECT_NE(help.output.find("--cutoff-len"), std::string::npos);
}

TEST(IcmaPrompt, OfficialIcmaPromptsByteForByte) {
  const nlohmann::json manifest = testing::load_json(testing::fixture_path("prompt_chebi20_cases.json"));
  const std::string dataset = testing::shared_dir() + "/" + manifest["dataset"].get<std::string>();
  const std::string corpus = testing::shared_dir() + "/" + manifest["corpus"].get<std::string>();
  if (!testing::file_exists(dataset) || !testing::file_exists(corpus)) GTEST_SKIP() << "no ChEBI-20 under shared";
  ASSERT_EQ(sha256_file_hex(dataset), manifest["dataset_sha256"]) << dataset << " differs from the fixtures'";
  ASSERT_EQ(sha256_file_hex(corpus), manifest["corpus_sha256"]) << corpus << " differs from the fixtures'";
  const std::string neighbours = testing::fixture_path(manifest["neighbours"]);

  for (const auto& test_case : manifest["cases"]) {
    const std::string name = test_case["name"];
    SCOPED_TRACE(name);
    const std::string queries =
        write(name + ".tsv", slice(dataset, test_case["rows"][0].get<std::size_t>(), test_case["rows"][1]));
    std::string flags;
    for (const auto& flag : test_case["flags"]) flags += " " + flag.get<std::string>();
    const std::string out = scratch(name + ".jsonl");
    const CommandResult result = run("--dataset " + queries + " --corpus " + corpus + " --neighbours " + neighbours +
                                     template_flag() + flags + " --out " + out);
    ASSERT_EQ(result.exit_code, 0) << result.output;
    const std::string expected = read_file(testing::fixture_path(test_case["expected"]));
    const std::string actual = read_file(out);
    EXPECT_TRUE(actual == expected) << first_difference(actual, expected);
  }
}

// A small corpus and queries for the error and option tests.
const char* kCorpus =
    "CID\tSMILES\tdescription\n"
    "c1\tCCO\tThe molecule is ethanol.\n"
    "c2\tCCCO\tThe molecule is propanol.\n"
    "c3\tCCCCO\tThe molecule is butanol.\n";
const char* kQueries =
    "CID\tSMILES\tdescription\n"
    "q1\tCO\tThe molecule is methanol.\n"
    "q2\tC=O\tThe molecule is formaldehyde.\n";
const char* kNeighbours = "q1\tc2\t0.9\nq1\tc1\t0.5\nq1\tc3\t0.1\nq2\tc3\t1.0\n";

class IcmaPromptSmall : public ::testing::Test {
 protected:
  void SetUp() override {
    corpus_ = write("corpus.tsv", kCorpus);
    queries_ = write("queries.tsv", kQueries);
    neighbours_ = write("neighbours.tsv", kNeighbours);
    out_ = scratch("small.jsonl");
    std::filesystem::remove(out_);
  }
  CommandResult prompt(const std::string& extra, const std::string& neighbours = "") {
    return run("--task mol2cap --dataset " + queries_ + " --corpus " + corpus_ + " --neighbours " +
               (neighbours.empty() ? neighbours_ : neighbours) + template_flag() + " --out " + out_ + " " + extra);
  }
  std::string corpus_, queries_, neighbours_, out_;
};

TEST_F(IcmaPromptSmall, ExamplesMostSimilarLastAndShortListsCounted) {
  const std::string stats = scratch("small.stats.json");
  const CommandResult result = prompt("--n-shot 2 --stats " + stats);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const auto rows = prompt::read_prompt_file(out_);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].examples, (std::vector<std::string>{"c1", "c2"}));  // c2 is the best: last
  EXPECT_EQ(rows[1].examples, (std::vector<std::string>{"c3"}));        // q2 has one neighbour
  EXPECT_EQ(rows[0].target, "Caption: The molecule is methanol.</s>");
  EXPECT_EQ(rows[0].input, "CO");
  EXPECT_NE(result.output.find("1 queries had fewer than 2 usable neighbours"), std::string::npos) << result.output;
  const nlohmann::json counts = testing::load_json(stats);
  EXPECT_EQ(counts["short_lists"], 1);
  EXPECT_EQ(counts["examples"], 3);
  EXPECT_EQ(counts["written"], 2);
}

TEST_F(IcmaPromptSmall, ShortListsFailOnRequest) {
  const CommandResult result = prompt("--n-shot 2 --short fail");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("icma-prompt: error: " + queries_ + ":3: query 'q2' has 1 usable neighbour(s)"),
            std::string::npos)
      << result.output;
  EXPECT_FALSE(testing::file_exists(out_));
}

TEST_F(IcmaPromptSmall, UnknownNeighbourIdNamesItsLine) {
  const std::string bad = write("bad-id.tsv", "q1\tc2\t0.9\nq1\tc9\t0.5\nq2\tc3\t1.0\n");
  const CommandResult result = prompt("--n-shot 1", bad);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("icma-prompt: error: " + bad + ":2: neighbour id 'c9' (of query 'q1') is not in the corpus"),
            std::string::npos)
      << result.output;
}

TEST_F(IcmaPromptSmall, QueriesWithoutNeighbours) {
  const std::string partial = write("partial.tsv", "q1\tc2\t0.9\n");
  const CommandResult failed = prompt("--n-shot 1", partial);
  EXPECT_EQ(failed.exit_code, 2);
  EXPECT_NE(failed.output.find(queries_ + ":3: query 'q2' has no neighbours"), std::string::npos) << failed.output;

  ASSERT_EQ(prompt("--n-shot 1 --missing zero-shot", partial).exit_code, 0);
  auto rows = prompt::read_prompt_file(out_);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].prompt, "Generate a caption for the molecule: C=O\n");
  EXPECT_TRUE(rows[1].examples.empty());

  const CommandResult skipped = prompt("--n-shot 1 --missing skip", partial);
  ASSERT_EQ(skipped.exit_code, 0);
  EXPECT_NE(skipped.output.find("1 queries had no neighbours and were left out"), std::string::npos);
  rows = prompt::read_prompt_file(out_);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].id, "q1");
}

TEST_F(IcmaPromptSmall, MalformedInputsNameFileAndLine) {
  const std::string two_fields = write("two-fields.tsv", "q1\tc2\t0.9\nq1\tc1\n");
  CommandResult result = prompt("", two_fields);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find(two_fields + ":2: expected 3 tab-separated fields"), std::string::npos)
      << result.output;

  const std::string bad_queries = write("bad-queries.tsv", "CID\tSMILES\tdescription\nq1\tCO\n");
  result = run("--task mol2cap --zero-shot --dataset " + bad_queries + template_flag() + " --out " + out_);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("icma-prompt: error: " + bad_queries + ":2:"), std::string::npos) << result.output;

  // In-context prompts need a corpus and a neighbour file.
  result = run("--task mol2cap --dataset " + queries_ + template_flag() + " --out " + out_);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("need --corpus and --neighbours"), std::string::npos) << result.output;
}

TEST_F(IcmaPromptSmall, EosTextAndRankOrder) {
  ASSERT_EQ(prompt("--n-shot 2 --eos '' --no-reverse").exit_code, 0);
  auto rows = prompt::read_prompt_file(out_);
  EXPECT_EQ(rows[0].target, "Caption: The molecule is methanol.");
  EXPECT_EQ(rows[0].examples, (std::vector<std::string>{"c2", "c1"}));
  ASSERT_EQ(prompt("--n-shot 2 --eos '<|endoftext|>'").exit_code, 0);
  rows = prompt::read_prompt_file(out_);
  EXPECT_EQ(rows[0].target, "Caption: The molecule is methanol.<|endoftext|>");
  const std::string mistral = testing::shared_dir() + "/models/mistral-7b-v0.1";
  if (testing::file_exists(mistral + "/tokenizer.json")) {
    ASSERT_EQ(prompt("--n-shot 2 --tokenizer " + mistral).exit_code, 0);
    EXPECT_EQ(prompt::read_prompt_file(out_)[0].target, "Caption: The molecule is methanol.</s>");
  }
}

// The budget on real ChEBI-20 rows with Galactica's tokenizer: every row
// fits, examples go from the least similar end, and the counts add up.
TEST(IcmaPromptBudget, GalacticaRowsFitTheCutoff) {
  const std::string galactica = testing::shared_dir() + "/models/galactica-125m";
  if (!testing::file_exists(galactica + "/tokenizer.json") || !testing::file_exists(chebi("test.txt"))) {
    GTEST_SKIP() << "no Galactica tokenizer or ChEBI-20 under shared";
  }
  const nlohmann::json manifest = testing::load_json(testing::fixture_path("prompt_chebi20_cases.json"));
  const std::string queries = write("budget.tsv", slice(chebi("test.txt"), 0, 60));
  const std::string neighbours = testing::fixture_path(manifest["neighbours"]);
  const std::string base = "--task cap2mol --n-shot 4 --dataset " + queries + " --corpus " + chebi("validation.txt") +
                           " --neighbours " + neighbours + template_flag();
  const std::string full = scratch("budget-full.jsonl"), fitted = scratch("budget-fitted.jsonl");
  const std::string stats = scratch("budget.stats.json");
  ASSERT_EQ(run(base + " --out " + full).exit_code, 0);
  const std::size_t cutoff = 200;
  const CommandResult result = run(base + " --out " + fitted + " --cutoff-len " + std::to_string(cutoff) +
                                   " --tokenizer " + galactica + " --threads 2 --stats " + stats);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("token budget 200:"), std::string::npos) << result.output;

  const tokenizer::Tokenizer tokenizer = tokenizer::Tokenizer::load(galactica);
  const auto before = prompt::read_prompt_file(full);
  const auto after = prompt::read_prompt_file(fitted);
  ASSERT_EQ(before.size(), after.size());
  std::size_t dropped = 0, truncated = 0, over = 0, max_tokens = 0;
  for (std::size_t i = 0; i < after.size(); ++i) {
    SCOPED_TRACE(after[i].id);
    EXPECT_EQ(after[i].target, before[i].target);  // never cut
    EXPECT_EQ(after[i].input, before[i].input);
    const std::size_t tokens = tokenizer.encode(after[i].prompt + after[i].target).size();
    max_tokens = std::max(max_tokens, tokens);
    // The kept examples are the most similar ones: the end of the reversed list.
    const auto& all = before[i].examples;
    const auto& kept = after[i].examples;
    ASSERT_LE(kept.size(), all.size());
    EXPECT_TRUE(std::equal(kept.begin(), kept.end(), all.end() - static_cast<std::ptrdiff_t>(kept.size())));
    dropped += all.size() - kept.size();
    if (kept.empty() && after[i].prompt.find(after[i].input) == std::string::npos) {
      ++truncated;
      // A cut caption is a prefix of the caption, in the zero-shot template.
      EXPECT_EQ(after[i].prompt.rfind("Generate a molecule that: ", 0), 0u);
    }
    if (tokens > cutoff) {
      ++over;
    } else if (kept.size() < all.size() && !kept.empty()) {
      // One more example would not have fit (or it would have been kept).
      EXPECT_GT(tokenizer.encode(before[i].prompt + before[i].target).size(), cutoff);
    }
  }
  const nlohmann::json counts = testing::load_json(stats)["budget"];
  EXPECT_EQ(counts["cutoff_len"], cutoff);
  EXPECT_EQ(counts["examples_dropped"], dropped);
  EXPECT_EQ(counts["rows_truncated"], truncated);
  EXPECT_EQ(counts["rows_over"], over);
  EXPECT_EQ(counts["max_tokens"], max_tokens);
  EXPECT_GT(dropped, 0u);    // the cutoff is tight enough to matter
  EXPECT_GT(truncated, 0u);  // and some captions are longer than it
}

// The retrieval-only baseline: each query's output is its top-ranked (after
// --skip) neighbour's caption or SMILES; a query without neighbours gets an
// empty output under --missing zero-shot and stops the run by default.
TEST(IcmaPrompt, RetrievalOnlyAnswersWithTheTopNeighbour) {
  const std::string corpus = write("ro_corpus.tsv",
                                   "CID\tSMILES\tdescription\n"
                                   "c1\tCCO\tThe molecule is ethanol.\n"
                                   "c2\tCCC\tThe molecule is propane.\n"
                                   "c3\tCCN\tThe molecule is ethylamine.\n");
  const std::string queries = write("ro_queries.tsv",
                                    "CID\tSMILES\tdescription\n"
                                    "q1\tCCCO\tThe molecule is propanol.\n"
                                    "q2\tC\tThe molecule is methane.\n");
  const std::string neighbours = write("ro_neighbours.tsv", "q1\tc2\t0.9\nq1\tc1\t0.5\n");
  const std::string base = " --dataset " + queries + " --corpus " + corpus + " --neighbours " + neighbours +
                           " --retrieval-only" + template_flag();

  const std::string out = scratch("ro_mol2cap.tsv");
  const CommandResult refused = run("--task mol2cap" + base + " --out " + out);
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("q2"), std::string::npos) << refused.output;

  const CommandResult mol2cap = run("--task mol2cap" + base + " --missing zero-shot --out " + out);
  ASSERT_EQ(mol2cap.exit_code, 0) << mol2cap.output;
  EXPECT_EQ(read_file(out),
            "SMILES\tground truth\toutput\n"
            "CCCO\tThe molecule is propanol.\tThe molecule is propane.\n"
            "C\tThe molecule is methane.\t\n");

  const std::string cap2mol_out = scratch("ro_cap2mol.tsv");
  const CommandResult cap2mol = run("--task cap2mol" + base + " --missing zero-shot --skip 1 --out " + cap2mol_out);
  ASSERT_EQ(cap2mol.exit_code, 0) << cap2mol.output;
  EXPECT_EQ(read_file(cap2mol_out),
            "description\tground truth\toutput\n"
            "The molecule is propanol.\tCCCO\tCCO\n"
            "The molecule is methane.\tC\t\n");
}

}  // namespace
}  // namespace icma
