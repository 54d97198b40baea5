// icma-tokenize end to end: the built command on small files with the real
// tokenizers under ICMA_SHARED_DIR/models, its output, exit codes and error lines.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "test_support.hpp"

namespace icma {
namespace {

using testing::CommandResult;

CommandResult run(const std::string& arguments) { return testing::run_command("icma-tokenize", arguments); }

std::string write(const std::string& name, const std::string& content) {
  const std::string path = testing::temp_dir() + "/tokenize-" + name;
  testing::write_text(path, content);
  return path;
}

std::string model(const std::string& name) { return testing::shared_dir() + "/models/" + name; }

bool have(const std::string& name) { return testing::file_exists(model(name) + "/tokenizer.json"); }

#define REQUIRE_MODEL(name) \
  if (!have(name)) GTEST_SKIP() << "no " << model(name) << "/tokenizer.json"

TEST(IcmaTokenize, HelpAndVersion) {
  const CommandResult help = run("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("Examples:"), std::string::npos) << help.output;
  EXPECT_NE(help.output.find("--max-length"), std::string::npos);
  const CommandResult version = run("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.output.find("icma-tokenize"), std::string::npos);
}

TEST(IcmaTokenize, BadFlagsExitWithTwo) {
  EXPECT_EQ(run("").exit_code, 2);  // --tokenizer is required
  EXPECT_EQ(run("--tokenizer /does/not/exist < /dev/null").exit_code, 2);
  EXPECT_EQ(run("--tokenizer x --ids --count < /dev/null").exit_code, 2);
  EXPECT_EQ(run("--tokenizer x --skip-special < /dev/null").exit_code, 2);  // needs --decode
  EXPECT_EQ(run("--tokenizer x --with-target < /dev/null").exit_code, 2);   // needs --jsonl
}

TEST(IcmaTokenize, IdsOfGpt2MatchHuggingFace) {
  REQUIRE_MODEL("gpt2");
  // GPT2TokenizerFast("Hello world") = [15496, 995]; " Hello" = [18435].
  const std::string input = write("hello.txt", "Hello world\n Hello\n\n");
  const CommandResult result = run("--tokenizer " + model("gpt2") + " " + input);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "15496 995\n18435\n\n");
  // stdin, and '-' for stdin, give the same.
  EXPECT_EQ(run("--tokenizer " + model("gpt2") + " < " + input).output, result.output);
  EXPECT_EQ(run("--tokenizer " + model("gpt2") + " - < " + input).output, result.output);
}

TEST(IcmaTokenize, SpecialTokensAndNoSpecial) {
  REQUIRE_MODEL("mistral-7b-v0.1");
  const std::string input = write("special.txt", "Hello world\n");
  const CommandResult with = run("--tokenizer " + model("mistral-7b-v0.1") + " " + input);
  const CommandResult without = run("--tokenizer " + model("mistral-7b-v0.1") + " --no-special " + input);
  EXPECT_EQ(with.exit_code, 0) << with.output;
  EXPECT_EQ(with.output, "1 " + without.output.substr(0, without.output.size()));  // BOS first
  EXPECT_EQ(without.output, "22557 1526\n");  // LlamaTokenizerFast("Hello world", add_special_tokens=False)
}

TEST(IcmaTokenize, Tokens) {
  REQUIRE_MODEL("gpt2");
  const CommandResult result =
      run("--tokenizer " + model("gpt2") + " --tokens " + write("tokens.txt", "Hello world\n"));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "[\"Hello\", \"\xC4\xA0world\"]\n");  // "Ġworld"
}

TEST(IcmaTokenize, DecodeRoundTrip) {
  REQUIRE_MODEL("mistral-7b-v0.1");
  const std::string text = "The molecule is a steroid ester.\nIt has a role as a metabolite.\n";
  const std::string tok = "--tokenizer " + model("mistral-7b-v0.1");
  const CommandResult ids = run(tok + " " + write("round.txt", text));
  ASSERT_EQ(ids.exit_code, 0) << ids.output;
  const std::string ids_file = write("round.ids", ids.output);
  const CommandResult skipped = run(tok + " --decode --skip-special " + ids_file);
  EXPECT_EQ(skipped.exit_code, 0) << skipped.output;
  EXPECT_EQ(skipped.output, text);
  const CommandResult kept = run(tok + " --decode " + ids_file);
  EXPECT_EQ(kept.exit_code, 0) << kept.output;
  EXPECT_EQ(kept.output.rfind("<s>", 0), 0u) << kept.output;
  // Commas and brackets are accepted too.
  EXPECT_EQ(run(tok + " --decode " + write("commas.ids", "[22557, 1526]\n")).output, "Hello world\n");
}

TEST(IcmaTokenize, BadIdsNameFileAndLine) {
  REQUIRE_MODEL("gpt2");
  const std::string tok = "--tokenizer " + model("gpt2") + " --decode ";
  const std::string bad = write("bad.ids", "15496 995\n15496 x95\n");
  CommandResult result = run(tok + bad);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.output, "icma-tokenize: error: " + bad + ":2: not a token id: \"x95\"\n");
  const std::string range = write("range.ids", "50257\n");
  result = run(tok + range);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.output,
            "icma-tokenize: error: " + range + ":1: token id 50257 is out of range (vocabulary size 50257)\n");
  const std::string negative = write("negative.ids", "1 -2\n");
  EXPECT_EQ(run(tok + negative).output, "icma-tokenize: error: " + negative + ":1: not a token id: \"-2\"\n");
  EXPECT_EQ(run(tok + "/does/not/exist.ids").exit_code, 2);
}

TEST(IcmaTokenize, Jsonl) {
  REQUIRE_MODEL("gpt2");
  const std::string tok = "--tokenizer " + model("gpt2");
  const std::string prompts =
      write("prompts.jsonl", "{\"id\": 1, \"prompt\": \"Hello\", \"target\": \" world\"}\n\n"
                             "{\"prompt\": \" Hello\", \"target\": \"\"}\n");
  CommandResult result = run(tok + " --jsonl " + prompts);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "15496\n18435\n");
  result = run(tok + " --jsonl --with-target " + prompts);
  EXPECT_EQ(result.output, "15496 995\n18435\n");

  const std::string broken = write("broken.jsonl", "{\"prompt\": \"a\"}\n{\"prompt\": \"b\"\n");
  result = run(tok + " --jsonl " + broken);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.output.rfind("icma-tokenize: error: " + broken + ":2: not a JSON line", 0), 0u) << result.output;
  EXPECT_EQ(std::count(result.output.begin(), result.output.end(), '\n'), 1) << result.output;

  const std::string no_prompt = write("no-prompt.jsonl", "{\"text\": \"a\"}\n");
  result = run(tok + " --jsonl " + no_prompt);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.output, "icma-tokenize: error: " + no_prompt + ":1: no \"prompt\" field\n");

  const std::string no_target = write("no-target.jsonl", "{\"prompt\": \"a\"}\n");
  result = run(tok + " --jsonl --with-target " + no_target);
  EXPECT_EQ(result.output, "icma-tokenize: error: " + no_target + ":1: no \"target\" field\n");

  const std::string not_string = write("not-string.jsonl", "{\"prompt\": 3}\n");
  result = run(tok + " --jsonl " + not_string);
  EXPECT_EQ(result.output, "icma-tokenize: error: " + not_string + ":1: \"prompt\" is not a string\n");
}

TEST(IcmaTokenize, CountsHistogramAndMaxLength) {
  REQUIRE_MODEL("gpt2");
  // Lengths 1, 2, 3 and 40 tokens ("a" repeated with spaces: one token per " a").
  std::string long_line = "a";
  for (int i = 1; i < 40; ++i) long_line += " a";
  const std::string input = write("count.txt", "Hello\nHello world\nHello world world\n" + long_line + "\n");
  const CommandResult result = run("--tokenizer " + model("gpt2") + " --count --max-length 3 " + input);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("texts: 4   tokens: 46"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("min 1 "), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("max 40"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("histogram"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("over --max-length 3: 1 of 4 (25.00%)"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find(input + ":4  40 tokens (+37)"), std::string::npos) << result.output;
}

TEST(IcmaTokenize, SentencePieceModelFile) {
  const std::string path = model("mistral-7b-v0.1") + "/tokenizer.model";
  if (!testing::file_exists(path)) GTEST_SKIP() << "no " << path;
  const CommandResult result = run("--tokenizer " + path + " " + write("sp.txt", "Hello world\n"));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(result.output, "1 22557 1526\n");
}

}  // namespace
}  // namespace icma
