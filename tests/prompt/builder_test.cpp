// Prompt assembly: which examples each query gets (skip, short and missing
// lists, ids not in the corpus with their line), their order in the prompt,
// and the JSONL rows as Python's json.dumps writes them.

#include <gtest/gtest.h>

#include <filesystem>

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/prompt/builder.hpp"
#include "icma/prompt/prompt_file.hpp"
#include "test_support.hpp"

namespace icma::prompt {
namespace {

using data::Task;
using data::QueryNeighbours;

PromptTemplates icma_templates() {
  return PromptTemplates::load(std::string(ICMA_SOURCE_DIR) + "/configs/prompts/icma.json");
}

data::Dataset dataset(const std::string& path, std::vector<data::MoleculeRecord> records) {
  data::Dataset out;
  out.path = path;
  for (std::size_t i = 0; i < records.size(); ++i) records[i].line = i + 2;  // after the header
  out.records = std::move(records);
  return out;
}

struct Fixture {
  data::Dataset corpus = dataset("corpus.tsv", {{"c1", "CCO", "Ethanol.", 0},
                                                {"c2", "CCCO", "Propanol.", 0},
                                                {"c3", "CCCCO", "Butanol.", 0}});
  data::Dataset queries = dataset("queries.tsv", {{"q1", "CO", "Methanol.", 0}, {"q2", "C=O", "Formaldehyde.", 0}});
  std::vector<QueryNeighbours> neighbours = {{"q1", {{"c2", 0.9}, {"c1", 0.5}, {"c3", 0.1}}},
                                             {"q2", {{"c3", 1.0}}}};
  CorpusLookup lookup{corpus};

  std::vector<PromptPlan> plan(const PlanOptions& options, PlanCounts& counts) const {
    return plan_prompts(queries, &lookup, &neighbours, "nb.tsv", options, counts);
  }
};

std::vector<std::string> ids_of(const PromptPlan& plan) {
  std::vector<std::string> ids;
  for (const auto& example : plan.examples) ids.push_back(example.id);
  return ids;
}

// icma-prompt appends this text and icma-generate strips it from ground
// truths: a tokenizer that names no EOS token (Galactica's) must give both
// the official "</s>", or paired comparisons of the two files fail.
TEST(PromptBuilder, DefaultEosTextIsTheTokenizersElseTheOfficialOne) {
  EXPECT_EQ(default_eos_text(nullptr), "</s>");
  const std::string models = testing::shared_dir() + "/models/";
  if (!std::filesystem::exists(models + "galactica-125m")) GTEST_SKIP() << "needs " << models << "galactica-125m";
  const auto galactica = tokenizer::Tokenizer::load(models + "galactica-125m");
  EXPECT_FALSE(galactica.special_tokens().eos.has_value());
  EXPECT_EQ(default_eos_text(&galactica), "</s>");
  // The same tokenizer with a tokenizer_config.json that names another EOS token.
  const std::string named = testing::temp_dir() + "/eos-named";
  std::filesystem::create_directories(named);
  std::filesystem::copy_file(models + "galactica-125m/tokenizer.json", named + "/tokenizer.json",
                             std::filesystem::copy_options::overwrite_existing);
  testing::write_text(named + "/tokenizer_config.json", R"({"eos_token": "<pad>"})");
  const auto with_eos = tokenizer::Tokenizer::load(named);
  EXPECT_EQ(default_eos_text(&with_eos), "<pad>");
}

TEST(PromptBuilder, PlansTakeTheBestNeighboursInRankOrder) {
  const Fixture f;
  PlanOptions options;
  options.n_shot = 2;
  PlanCounts counts;
  const auto plans = f.plan(options, counts);
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_EQ(ids_of(plans[0]), (std::vector<std::string>{"c2", "c1"}));
  EXPECT_EQ(plans[0].input, "CO");
  EXPECT_EQ(plans[0].answer, "Methanol.");
  EXPECT_EQ(plans[0].examples[0].example.smiles, "CCCO");
  EXPECT_EQ(plans[0].examples[0].example.caption, "Propanol.");
  EXPECT_EQ(ids_of(plans[1]), (std::vector<std::string>{"c3"}));
  EXPECT_EQ(counts.short_lists, 1u);
  EXPECT_EQ(counts.examples, 3u);
  EXPECT_EQ(counts.planned, 2u);

  options.skip = 1;  // the official start_pos
  const auto skipped = f.plan(options, counts);
  EXPECT_EQ(ids_of(skipped[0]), (std::vector<std::string>{"c1", "c3"}));
  EXPECT_TRUE(skipped[1].examples.empty());
  EXPECT_EQ(counts.short_lists, 1u);
}

TEST(PromptBuilder, Cap2MolSwapsInputAndAnswer) {
  const Fixture f;
  PlanOptions options;
  options.task = Task::cap2mol;
  options.n_shot = 1;
  PlanCounts counts;
  const auto plans = f.plan(options, counts);
  EXPECT_EQ(plans[0].input, "Methanol.");
  EXPECT_EQ(plans[0].answer, "CO");
}

TEST(PromptBuilder, ShortListsFailOnRequest) {
  const Fixture f;
  PlanOptions options;
  options.n_shot = 2;
  options.short_lists = ShortNeighbours::fail;
  PlanCounts counts;
  try {
    f.plan(options, counts);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), "queries.tsv");
    EXPECT_EQ(e.line(), 3u);
    EXPECT_NE(std::string(e.what()).find("fewer than --n-shot 2"), std::string::npos) << e.what();
  }
}

TEST(PromptBuilder, NeighbourNotInCorpusNamesItsLine) {
  Fixture f;
  f.neighbours[1].neighbours.push_back({"c9", 0.5});  // line 5: q1's three, then q2's two
  PlanOptions options;
  options.n_shot = 1;  // an unused rank is checked too
  PlanCounts counts;
  try {
    f.plan(options, counts);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), "nb.tsv");
    EXPECT_EQ(e.line(), 5u);
    EXPECT_NE(std::string(e.what()).find("neighbour id 'c9' (of query 'q2') is not in the corpus corpus.tsv"),
              std::string::npos)
        << e.what();
  }
}

TEST(PromptBuilder, MissingNeighbourPolicies) {
  Fixture f;
  f.neighbours.pop_back();                          // q2 has none
  f.neighbours.push_back({"q9", {{"c1", 1.0}}});    // a query not in the dataset
  PlanOptions options;
  options.n_shot = 1;
  PlanCounts counts;
  EXPECT_THROW(f.plan(options, counts), InputError);
  options.missing = MissingNeighbours::zero_shot;
  auto plans = f.plan(options, counts);
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_TRUE(plans[1].examples.empty());
  EXPECT_EQ(counts.missing_zero_shot, 1u);
  EXPECT_EQ(counts.unused_queries, 1u);
  options.missing = MissingNeighbours::skip;
  plans = f.plan(options, counts);
  ASSERT_EQ(plans.size(), 1u);
  EXPECT_EQ(counts.missing_skipped, 1u);
  EXPECT_EQ(counts.queries, 2u);
}

TEST(PromptBuilder, ZeroShotNeedsNoNeighboursAndSelfExamplesAreCounted) {
  Fixture f;
  PlanOptions options;
  options.n_shot = 0;
  PlanCounts counts;
  const auto plans = plan_prompts(f.queries, nullptr, nullptr, "", options, counts);
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_TRUE(plans[0].examples.empty());
  options.n_shot = 1;
  EXPECT_THROW(plan_prompts(f.queries, nullptr, nullptr, "", options, counts), InputError);

  // Training prompts whose neighbours came from the queries' own corpus.
  const CorpusLookup own(f.queries);
  const std::vector<QueryNeighbours> self = {{"q1", {{"q1", 1.0}, {"q2", 0.5}}}, {"q2", {{"q1", 0.4}}}};
  plan_prompts(f.queries, &own, &self, "self.tsv", options, counts);
  EXPECT_EQ(counts.self_examples, 1u);
}

TEST(PromptBuilder, CorpusDuplicatesTakeTheLaterRow) {
  const data::Dataset corpus = dataset("dup.tsv", {{"c1", "C", "First.", 0}, {"c1", "CC", "Second.", 0}});
  const CorpusLookup lookup(corpus);
  EXPECT_EQ(lookup.duplicate_ids(), 1u);
  ASSERT_NE(lookup.find("c1"), nullptr);
  EXPECT_EQ(lookup.find("c1")->description, "Second.");
  EXPECT_EQ(lookup.find("c2"), nullptr);
}

TEST(PromptBuilder, RenderPutsTheMostSimilarLast) {
  const Fixture f;
  PlanOptions options;
  options.n_shot = 2;
  PlanCounts counts;
  const auto plans = f.plan(options, counts);
  const PromptTemplates templates = icma_templates();
  RenderOptions render_options;
  PromptRecord record = render(templates, plans[0], render_options);
  EXPECT_EQ(record.prompt,
            "Generate a caption for the molecule: CCO\nCaption: Ethanol.\n\n"
            "Generate a caption for the molecule: CCCO\nCaption: Propanol.\n\n"
            "Based on the above examples, analyse the similarities and differences between the examples and "
            "finally generate a caption for the molecule: CO. \n");
  EXPECT_EQ(record.examples, (std::vector<std::string>{"c1", "c2"}));
  EXPECT_EQ(record.target, "Caption: Methanol.</s>");
  EXPECT_EQ(record.id, "q1");
  EXPECT_EQ(record.input, "CO");

  render_options.reverse = false;
  record = render(templates, plans[0], render_options);
  EXPECT_EQ(record.examples, (std::vector<std::string>{"c2", "c1"}));
  EXPECT_EQ(record.prompt.rfind("Generate a caption for the molecule: CCCO\n", 0), 0u);

  // Fewer examples keep the best; none gives the zero-shot prompt.
  render_options.reverse = true;
  EXPECT_EQ(render(templates, plans[0], render_options, 1, "CO").examples, (std::vector<std::string>{"c2"}));
  EXPECT_EQ(render(templates, plans[0], render_options, 0, "C").prompt, "Generate a caption for the molecule: C\n");
}

TEST(PromptFile, RowsAreCompactJsonLikePython) {
  PromptRecord record;
  record.id = "42";
  record.task = Task::cap2mol;
  record.prompt = "Caption: an \"α\" acid\\base\twith\ncontrol \x01 chars\n";
  record.target = "Molecule: C/C=C\\C</s>";
  record.examples = {"7", "8"};
  record.input = "an \"α\" acid";
  // json.dumps(row, ensure_ascii=False, separators=(",", ":"))
  EXPECT_EQ(prompt_row_json(record),
            "{\"id\":\"42\",\"task\":\"cap2mol\",\"prompt\":\"Caption: an \\\"α\\\" acid\\\\base\\twith\\ncontrol "
            "\\u0001 chars\\n\",\"target\":\"Molecule: C/C=C\\\\C</s>\",\"examples\":[\"7\",\"8\"],"
            "\"input\":\"an \\\"α\\\" acid\"}");

  const std::string path = testing::temp_dir() + "/prompt-file.jsonl";
  write_prompt_file(path, {record, record});
  const auto rows = read_prompt_file(path);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].prompt, record.prompt);
  EXPECT_EQ(rows[1].target, record.target);
  EXPECT_EQ(rows[1].examples, record.examples);
  EXPECT_EQ(rows[1].task, Task::cap2mol);
  EXPECT_EQ(read_file(path), prompt_row_json(record) + "\n" + prompt_row_json(record) + "\n");
}

TEST(PromptFile, BadRowsNameTheirLine) {
  const std::string path = testing::temp_dir() + "/bad-prompts.jsonl";
  testing::write_text(path, "{\"id\":\"1\",\"task\":\"mol2cap\",\"prompt\":\"p\",\"target\":\"t\"}\n\n{\"id\":\"2\"}\n");
  try {
    read_prompt_file(path);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 3u);
    EXPECT_NE(std::string(e.what()).find("no \"task\" field"), std::string::npos) << e.what();
  }
  testing::write_text(path, "{\"id\":\"1\",\"task\":\"text2text\",\"prompt\":\"p\",\"target\":\"t\"}\n");
  EXPECT_THROW(read_prompt_file(path), InputError);
}

}  // namespace
}  // namespace icma::prompt
