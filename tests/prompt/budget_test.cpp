// The token budget: examples leave from the least similar end, then the
// query's text is cut at a token boundary, the target never; with a counter
// whose tokens are words, so every count can be done by hand, and Galactica's
// tokenizer for the token boundaries.

#include <gtest/gtest.h>

#include <chrono>

#include "icma/tokenizer/tokenizer.hpp"
#include "icma/prompt/budget.hpp"
#include "test_support.hpp"

namespace icma::prompt {
namespace {

using data::Task;

// Tokens: a BOS and one per run of non-space characters.
class WordCounter final : public TokenCounter {
 public:
  std::size_t count(const std::string& text) const override {
    std::size_t words = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (!is_space(text[i]) && (i == 0 || is_space(text[i - 1]))) ++words;
    }
    return words + 1;
  }
  std::vector<std::size_t> cut_points(const std::string& text, std::size_t max_tokens) const override {
    std::vector<std::size_t> points = {0};
    for (std::size_t i = 1; i < text.size() && points.size() <= max_tokens; ++i) {
      if (!is_space(text[i]) && is_space(text[i - 1])) points.push_back(i);
    }
    return points;
  }

 private:
  static bool is_space(char c) { return c == ' ' || c == '\n'; }
};

PromptTemplates icma_templates() {
  return PromptTemplates::load(std::string(ICMA_SOURCE_DIR) + "/configs/prompts/icma.json");
}

// A cap2mol query with three examples, best first.
PromptPlan plan() {
  PromptPlan p;
  p.id = "q";
  p.input = "The molecule is a long caption of ten words in all.";
  p.answer = "CCO";
  p.examples = {{"best", {"C", "One two."}}, {"middle", {"CC", "Three four."}}, {"worst", {"CCC", "Five six."}}};
  return p;
}

RenderOptions cap2mol() {
  RenderOptions options;
  options.task = Task::cap2mol;
  return options;
}

std::size_t tokens(const PromptRecord& record) { return WordCounter().count(record.prompt + record.target); }

TEST(PromptBudget, RowsThatFitAreUnchanged) {
  const PromptTemplates templates = icma_templates();
  const PromptRecord full = render(templates, plan(), cap2mol());
  const FitResult fit = fit_prompt(templates, plan(), cap2mol(), WordCounter(), tokens(full));
  EXPECT_EQ(fit.record.prompt, full.prompt);
  EXPECT_EQ(fit.tokens, tokens(full));
  EXPECT_EQ(fit.examples_dropped, 0u);
  EXPECT_FALSE(fit.truncated);
}

TEST(PromptBudget, ExamplesLeaveFromTheLeastSimilarEnd) {
  const PromptTemplates templates = icma_templates();
  const PromptRecord full = render(templates, plan(), cap2mol());
  // One example costs 10 words ("Generate a molecule for the caption: X Y\nMolecule: S").
  FitResult fit = fit_prompt(templates, plan(), cap2mol(), WordCounter(), tokens(full) - 1);
  EXPECT_EQ(fit.examples_dropped, 1u);
  EXPECT_EQ(fit.record.examples, (std::vector<std::string>{"middle", "best"}));
  EXPECT_EQ(fit.tokens, tokens(full) - 10);

  RenderOptions rank_order = cap2mol();
  rank_order.reverse = false;
  fit = fit_prompt(templates, plan(), rank_order, WordCounter(), tokens(full) - 11);
  EXPECT_EQ(fit.examples_dropped, 2u);
  EXPECT_EQ(fit.record.examples, (std::vector<std::string>{"best"}));
}

TEST(PromptBudget, ThenTheQueryTextIsCutAtATokenBoundary) {
  const PromptTemplates templates = icma_templates();
  // Zero-shot: "Generate a molecule that: " (4) + 11 caption words + "Molecule: CCO</s>" (2) + BOS = 18.
  const PromptRecord zero_shot = render(templates, plan(), cap2mol(), 0, plan().input);
  ASSERT_EQ(tokens(zero_shot), 18u);
  const FitResult fit = fit_prompt(templates, plan(), cap2mol(), WordCounter(), 12);
  EXPECT_TRUE(fit.truncated);
  EXPECT_FALSE(fit.over);
  EXPECT_EQ(fit.examples_dropped, 3u);
  EXPECT_EQ(fit.tokens, 12u);
  EXPECT_EQ(fit.record.prompt, "Generate a molecule that: The molecule is a long \n");
  EXPECT_EQ(fit.record.target, "Molecule: CCO</s>");     // never cut
  EXPECT_EQ(fit.record.input, plan().input);              // the row keeps the whole input
  EXPECT_TRUE(fit.record.examples.empty());
}

TEST(PromptBudget, RowsWhoseTargetAloneIsTooLongAreCountedAndKeptWhole) {
  const PromptTemplates templates = icma_templates();
  // An empty caption still takes 4 + 2 + 1 = 7 tokens.
  const FitResult fit = fit_prompt(templates, plan(), cap2mol(), WordCounter(), 6);
  EXPECT_TRUE(fit.over);
  EXPECT_FALSE(fit.truncated);
  EXPECT_EQ(fit.record.prompt, "Generate a molecule that: " + plan().input + "\n");
  EXPECT_EQ(fit.tokens, 18u);
}

TEST(PromptBudget, FitPromptsCountsEveryRowInOrder) {
  const PromptTemplates templates = icma_templates();
  std::vector<PromptPlan> plans(50, plan());
  for (std::size_t i = 0; i < plans.size(); ++i) {
    plans[i].id = std::to_string(i);
    if (i % 2 == 1) plans[i].examples.clear();  // zero-shot rows: 18 tokens
  }
  BudgetCounts counts;
  const auto records = fit_prompts(templates, plans, cap2mol(), WordCounter(), 12, 2, counts);
  ASSERT_EQ(records.size(), plans.size());
  for (std::size_t i = 0; i < records.size(); ++i) EXPECT_EQ(records[i].id, std::to_string(i));
  EXPECT_EQ(counts.rows, 50u);
  EXPECT_EQ(counts.rows_dropping_examples, 25u);
  EXPECT_EQ(counts.examples_dropped, 75u);
  EXPECT_EQ(counts.rows_truncated, 50u);
  EXPECT_EQ(counts.rows_over, 0u);
  EXPECT_EQ(counts.max_tokens, 12u);
  EXPECT_EQ(counts.total_tokens, 600u);
}

TEST(PromptBudget, Utf8BoundariesSkipContinuationBytes) {
  EXPECT_EQ(utf8_boundaries("aα b"), (std::vector<std::size_t>{0, 1, 3, 4}));
  EXPECT_EQ(utf8_boundaries(""), (std::vector<std::size_t>{0}));
}

TEST(PromptBudget, GalacticaTokenBoundariesArePrefixes) {
  const std::string path = testing::shared_dir() + "/models/galactica-125m";
  if (!testing::file_exists(path + "/tokenizer.json")) GTEST_SKIP() << "no " << path;
  const tokenizer::Tokenizer tokenizer = tokenizer::Tokenizer::load(path);
  const TokenizerCounter counter(tokenizer);
  for (const std::string text : {std::string("The molecule is a β-lactam; it has a role as an antibiotic."),
                                 std::string("C[C@]12CCC(=O)C=C1CC[C@@H]3[C@@H]2C(=O)C[C@]\\\\4")}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(counter.count(text), tokenizer.encode(text, true).size());
    const std::vector<std::size_t> points = counter.cut_points(text, 1000);
    const std::size_t n = tokenizer.encode(text, false).size();
    ASSERT_GE(points.size(), n / 2);  // most token ends are byte prefixes
    ASSERT_LE(points.size(), n);
    EXPECT_EQ(points.front(), 0u);
    for (std::size_t i = 1; i < points.size(); ++i) {
      EXPECT_LT(points[i - 1], points[i]);
      // A prefix cut at a boundary tokenizes as a prefix of the text's tokens.
      const auto whole = tokenizer.encode(text, false);
      const auto part = tokenizer.encode(text.substr(0, points[i]), false);
      EXPECT_TRUE(std::equal(part.begin(), part.end(), whole.begin())) << points[i];
    }
  }
}

// Cuts as the budget made them before it looked only at the first tokens:
// every token boundary of the whole text.
class EveryBoundary final : public TokenCounter {
 public:
  explicit EveryBoundary(const TokenCounter& inner) : inner_(inner) {}
  std::size_t count(const std::string& text) const override { return inner_.count(text); }
  std::vector<std::size_t> cut_points(const std::string& text, std::size_t) const override {
    return inner_.cut_points(text, std::string::npos - 1);
  }

 private:
  const TokenCounter& inner_;
};

std::string long_caption(std::size_t bytes) {
  const char* words[] = {"The", "molecule", "is", "a", "primary", "alcohol", "with", "role", "as", "metabolite,", "β-lactam"};
  std::string text;
  for (std::size_t i = 0; text.size() < bytes; ++i) text += std::string(words[(i * 7 + i / 3) % 11]) + " ";
  return text.substr(0, text.rfind(' ', bytes));
}

TEST(PromptBudget, AMegabyteCaptionIsCutInUnderASecondToTheSameCut) {
  const std::string path = testing::shared_dir() + "/models/galactica-125m";
  if (!testing::file_exists(path + "/tokenizer.json")) GTEST_SKIP() << "no " << path;
  const tokenizer::Tokenizer tokenizer = tokenizer::Tokenizer::load(path);
  const TokenizerCounter counter(tokenizer);
  PromptPlan huge = plan();
  huge.input = long_caption(1 << 20);
  const auto started = std::chrono::steady_clock::now();
  const FitResult fit = fit_prompt(icma_templates(), huge, cap2mol(), counter, 1024);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_LT(seconds, 1.0);
  EXPECT_TRUE(fit.truncated);
  EXPECT_EQ(fit.examples_dropped, 3u);
  EXPECT_LE(fit.tokens, 1024u);
  EXPECT_GE(fit.tokens, 1015u);
  // The same cut as trying every boundary of the text (on a shorter one).
  PromptPlan medium = plan();
  medium.input = long_caption(8000);
  const FitResult fast = fit_prompt(icma_templates(), medium, cap2mol(), counter, 300);
  const FitResult slow = fit_prompt(icma_templates(), medium, cap2mol(), EveryBoundary(counter), 300);
  EXPECT_TRUE(fast.truncated);
  EXPECT_EQ(fast.record.prompt, slow.record.prompt);
  EXPECT_EQ(fast.tokens, slow.tokens);
}

}  // namespace
}  // namespace icma::prompt
