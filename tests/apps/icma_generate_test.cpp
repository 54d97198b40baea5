// icma-generate end to end with the tiny random models of tests/fixtures/models
// (vocabulary 96, 128 positions) and a character-level tokenizer.json written
// here (one token per printable character, "<s>" first, "</s>" as EOS): output
// format, batch-size invariance, --resume, plain files with and without an
// index, stop strings, `score`, and exit code 2 for bad input.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "icma/core/atomic_file.hpp"
#include "icma/data/predictions.hpp"
#include "test_support.hpp"

namespace icma {
namespace {

using testing::CommandResult;

std::string dir() {
  static const std::string path = [] {
    const std::string d = testing::temp_dir() + "/generate";
    std::filesystem::create_directories(d + "/tokenizer");
    // <unk> <s> </s> <eot> "\n", then the printable ASCII characters but four: 96 tokens.
    nlohmann::json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}, {"<eot>", 3}, {"\n", 4}};
    for (char c = 32; c < 127; ++c) {
      if (std::string("`~^|").find(c) == std::string::npos) vocab[std::string(1, c)] = vocab.size();
    }
    nlohmann::json added = nlohmann::json::array();
    for (const char* token : {"<unk>", "<s>", "</s>", "<eot>"}) {
      added.push_back({{"id", vocab[token]}, {"content", token}, {"single_word", false}, {"lstrip", false},
                       {"rstrip", false}, {"normalized", false}, {"special", true}});
    }
    const nlohmann::json bos = {{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}};
    const nlohmann::json tokenizer = {
        {"version", "1.0"},
        {"added_tokens", added},
        {"normalizer", nullptr},
        {"pre_tokenizer", nullptr},
        {"post_processor",
         {{"type", "TemplateProcessing"},
          {"single", {bos, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
          {"pair", {bos, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}}},
          {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1}}, {"tokens", {"<s>"}}}}}}}},
        {"decoder", {{"type", "Fuse"}}},
        {"model",
         {{"type", "BPE"}, {"unk_token", "<unk>"}, {"fuse_unk", false}, {"byte_fallback", false}, {"vocab", vocab},
          {"merges", nlohmann::json::array()}}}};
    testing::write_text(d + "/tokenizer/tokenizer.json", tokenizer.dump());
    testing::write_text(d + "/tokenizer/tokenizer_config.json",
                        R"({"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"})");
    return d;
  }();
  return path;
}

std::string model(const std::string& name = "llama") { return testing::fixture_path("models/" + name); }
std::string icma_template() { return std::string(ICMA_TEST_FIXTURES) + "/../../configs/prompts/icma.json"; }

std::string write(const std::string& name, const std::string& content) {
  const std::string path = dir() + "/" + name;
  testing::write_text(path, content);
  return path;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

CommandResult run(const std::string& arguments) {
  return testing::run_command("icma-generate", arguments + " --tokenizer " + dir() + "/tokenizer --threads 1");
}

// Zero-shot Mol2Cap prompts, as icma-prompt writes them.
std::string mol2cap_jsonl(int rows) {
  const char* smiles[] = {"CCO", "C=O", "CC(=O)O", "c1ccccc1", "CCN", "OCCO"};
  std::string out;
  for (int i = 0; i < rows; ++i) {
    const nlohmann::json row = {{"id", "m" + std::to_string(i)},
                                {"task", "mol2cap"},
                                {"prompt", std::string("Generate a caption for the molecule: ") + smiles[i % 6] + "\n"},
                                {"target", "Caption: The molecule " + std::to_string(i) + ".</s>"},
                                {"examples", nlohmann::json::array()}};
    out += row.dump() + "\n";
  }
  return out;
}

std::string generate_args(const std::string& prompts, const std::string& out) {
  return "--model " + model() + " --template " + icma_template() + " --prompts " + prompts + " --out " + out +
         " --max-new-tokens 12";
}

TEST(IcmaGenerate, HelpAndVersion) {
  const CommandResult help = testing::run_command("icma-generate", "--help");
  EXPECT_EQ(help.exit_code, 0) << help.output;
  EXPECT_NE(help.output.find("--num-beams"), std::string::npos);
  EXPECT_NE(help.output.find("OUT.partial"), std::string::npos);
  EXPECT_EQ(testing::run_command("icma-generate", "score --help").exit_code, 0);
  EXPECT_EQ(testing::run_command("icma-generate", "--version").exit_code, 0);
}

TEST(IcmaGenerate, WritesMolT5Predictions) {
  const std::string prompts = write("format.jsonl", mol2cap_jsonl(3));
  const std::string out = dir() + "/format.tsv";
  const CommandResult result = run(generate_args(prompts, out));
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const data::PredictionFile file = data::read_predictions(out, data::Task::mol2cap);
  ASSERT_EQ(file.rows.size(), 3u);
  EXPECT_EQ(file.rows[0].input, "CCO");  // read from the prompt's last line
  EXPECT_EQ(file.rows[2].input, "CC(=O)O");
  EXPECT_EQ(file.rows[1].ground_truth, "The molecule 1.");  // without "Caption: " and "</s>"
  EXPECT_EQ(read(out).substr(0, 25), "SMILES\tground truth\toutpu");
  EXPECT_FALSE(std::filesystem::exists(out + ".partial"));
  // An "input" field wins over the prompt.
  const std::string with_input = write(
      "input.jsonl", R"({"id":"x","task":"cap2mol","prompt":"anything\n","target":"Molecule: CCO</s>","input":"A cap."})"
                     "\n");
  ASSERT_EQ(run(generate_args(with_input, dir() + "/input.tsv")).exit_code, 0);
  const data::PredictionFile cap2mol = data::read_predictions(dir() + "/input.tsv", data::Task::cap2mol);
  EXPECT_EQ(cap2mol.rows[0].input, "A cap.");
  EXPECT_EQ(cap2mol.rows[0].ground_truth, "CCO");
}

TEST(IcmaGenerate, BatchSizeAndCacheDoNotChangeTheOutput) {
  const std::string prompts = write("batch.jsonl", mol2cap_jsonl(5));
  ASSERT_EQ(run(generate_args(prompts, dir() + "/b1.tsv") + " --batch-size 1").exit_code, 0);
  ASSERT_EQ(run(generate_args(prompts, dir() + "/b3.tsv") + " --batch-size 3").exit_code, 0);
  ASSERT_EQ(run(generate_args(prompts, dir() + "/nc.tsv") + " --batch-size 4 --no-cache").exit_code, 0);
  EXPECT_EQ(read(dir() + "/b1.tsv"), read(dir() + "/b3.tsv"));
  EXPECT_EQ(read(dir() + "/b1.tsv"), read(dir() + "/nc.tsv"));
  // Sampling: each row has its own seed stream, so the batch size does not matter either.
  const std::string sample = " --do-sample --temperature 0.7 --top-k 40 --top-p 0.85 --seed 5";
  ASSERT_EQ(run(generate_args(prompts, dir() + "/s1.tsv") + sample + " --batch-size 1").exit_code, 0);
  ASSERT_EQ(run(generate_args(prompts, dir() + "/s5.tsv") + sample + " --batch-size 5").exit_code, 0);
  EXPECT_EQ(read(dir() + "/s1.tsv"), read(dir() + "/s5.tsv"));
  // Beam search runs too.
  const CommandResult beams = run(generate_args(prompts, dir() + "/beam.tsv") + " --num-beams 3 --length-penalty 0.8");
  EXPECT_EQ(beams.exit_code, 0) << beams.output;
}

TEST(IcmaGenerate, ResumeSkipsTheRowsOfThePartialFile) {
  const std::string prompts = write("resume.jsonl", mol2cap_jsonl(4));
  const std::string full = dir() + "/resume-full.tsv";
  ASSERT_EQ(run(generate_args(prompts, full)).exit_code, 0);
  // An interrupted run: rows 0 and 2 done (row 0 with an output the model
  // would not write, to show it is kept, not regenerated), a line cut short.
  const std::string out = dir() + "/resume.tsv";
  testing::write_text(out + ".partial",
                      "# icma-generate partial output: row\tid\tinput\tground truth\toutput\n"
                      "2\tm2\tCC(=O)O\tThe molecule 2.\tKEPT 2\n"
                      "0\tm0\tCCO\tThe molecule 0.\tKEPT 0\n"
                      "1\tm1\tC=O\tThe mol");
  const CommandResult resumed = run(generate_args(prompts, out) + " --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("2 of 4 rows already"), std::string::npos) << resumed.output;
  const auto expected = data::read_predictions(full, data::Task::mol2cap).rows;
  const auto got = data::read_predictions(out, data::Task::mol2cap).rows;
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].output, "KEPT 0");
  EXPECT_EQ(got[2].output, "KEPT 2");
  EXPECT_EQ(got[1].output, expected[1].output);
  EXPECT_EQ(got[3].output, expected[3].output);
  EXPECT_FALSE(std::filesystem::exists(out + ".partial"));
  // Complete already: nothing to do.
  const CommandResult again = run(generate_args(prompts, out) + " --resume");
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.output.find("nothing to do"), std::string::npos) << again.output;
  // A partial file of other inputs is refused.
  testing::write_text(out + ".partial",
                      "# icma-generate partial output: row\tid\tinput\tground truth\toutput\n"
                      "0\tother\tCCO\tx\ty\n");
  const CommandResult other = run(generate_args(prompts, out) + " --resume");
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_NE(other.output.find(out + ".partial:2: row 0 (id other) is not in the inputs"), std::string::npos)
      << other.output;
  std::filesystem::remove(out + ".partial");
}

// A tokenizer whose every ordinary token holds a carriage return, a NUL or
// another control character: whatever the model samples, its text has them.
std::string control_tokenizer() {
  const std::string d = dir() + "/control-tokenizer";
  std::filesystem::create_directories(d);
  nlohmann::json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}};
  const char controls[] = {'\r', '\0', '\x1b', '\t', '\n'};
  for (int i = 3; i < 96; ++i) vocab[std::string(1, controls[i % 5]) + std::to_string(i)] = i;
  nlohmann::json added = nlohmann::json::array();
  for (const char* token : {"<unk>", "<s>", "</s>"}) {
    added.push_back({{"id", vocab[token]}, {"content", token}, {"single_word", false}, {"lstrip", false},
                     {"rstrip", false}, {"normalized", false}, {"special", true}});
  }
  const nlohmann::json tokenizer = {
      {"version", "1.0"}, {"added_tokens", added}, {"normalizer", nullptr}, {"pre_tokenizer", nullptr},
      {"post_processor", nullptr}, {"decoder", {{"type", "Fuse"}}},
      {"model",
       {{"type", "BPE"}, {"unk_token", "<unk>"}, {"fuse_unk", false}, {"byte_fallback", false}, {"vocab", vocab},
        {"merges", nlohmann::json::array()}}}};
  testing::write_text(d + "/tokenizer.json", tokenizer.dump());
  testing::write_text(d + "/tokenizer_config.json", R"({"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"})");
  return d;
}

TEST(IcmaGenerate, ControlCharactersInGeneratedTextNeverStopARun) {
  const std::string prompts = write("control.jsonl", mol2cap_jsonl(4));
  const std::string out = dir() + "/control.tsv";
  const std::string args = "--model " + model() + " --template " + icma_template() + " --prompts " + prompts +
                           " --out " + out + " --max-new-tokens 12 --threads 1 --tokenizer " + control_tokenizer();
  const CommandResult sampled = testing::run_command("icma-generate", args + " --do-sample --temperature 1.5 --seed 3");
  ASSERT_EQ(sampled.exit_code, 0) << sampled.output;
  const auto rows = data::read_predictions(out, data::Task::mol2cap).rows;
  ASSERT_EQ(rows.size(), 4u);
  std::size_t characters = 0;
  for (const auto& row : rows) {
    for (char c : row.output) EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20) << row.output;
    characters += row.output.size();
  }
  EXPECT_GT(characters, 0u);
  // A partial file from before the rule, with a carriage return in a row,
  // resumes and finishes.
  testing::write_text(out + ".partial",
                      "# icma-generate partial output: row\tid\tinput\tground truth\toutput\n"
                      "0\tm0\tCCO\tThe molecule 0.\tbad\rtext\r\n");
  const CommandResult resumed = testing::run_command("icma-generate", args + " --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(data::read_predictions(out, data::Task::mol2cap).rows[0].output, "bad text");
}

TEST(IcmaGenerate, ResumeRefusesAnEarlierRunWithOtherSettingsOrPrompts) {
  const std::string prompts = write("mixed.jsonl", mol2cap_jsonl(4));
  // The same ids and row count, other prompts.
  std::string changed = mol2cap_jsonl(4);
  changed.replace(changed.find("CCO"), 3, "CCN");
  const std::string other = write("mixed-other.jsonl", changed);
  const std::string out = dir() + "/mixed.tsv";
  const std::string sample = " --do-sample --top-k 40 --seed 5 --batch-size 2";
  const CommandResult first = run(generate_args(prompts, out) + sample + " --temperature 0.7 --stop-after 2");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  ASSERT_TRUE(std::filesystem::exists(out + ".partial"));
  ASSERT_FALSE(std::filesystem::exists(out));

  CommandResult resumed = run(generate_args(prompts, out) + sample + " --temperature 0.9 --resume");
  EXPECT_EQ(resumed.exit_code, 2) << resumed.output;
  EXPECT_NE(resumed.output.find("the setting generation.temperature differs: the earlier run used 0.7, this one 0.9; "
                                "--restart discards its rows"),
            std::string::npos)
      << resumed.output;
  resumed = run(generate_args(other, out) + sample + " --temperature 0.7 --resume");
  EXPECT_EQ(resumed.exit_code, 2) << resumed.output;
  EXPECT_NE(resumed.output.find("the setting queries.sha256 differs"), std::string::npos) << resumed.output;
  resumed = run(generate_args(prompts, out) + sample + " --temperature 0.7 --resume --num-beams 1 --max-new-tokens 5");
  EXPECT_EQ(resumed.exit_code, 2) << resumed.output;
  // Neither --resume nor --restart.
  resumed = run(generate_args(prompts, out) + sample + " --temperature 0.7");
  EXPECT_EQ(resumed.exit_code, 2) << resumed.output;
  EXPECT_NE(resumed.output.find("holds the rows of an interrupted run: --resume continues it, --restart discards it"),
            std::string::npos)
      << resumed.output;

  // The same settings finish the run; the same rows as one uninterrupted run.
  resumed = run(generate_args(prompts, out) + sample + " --temperature 0.7 --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  const std::string straight = dir() + "/mixed-straight.tsv";
  ASSERT_EQ(run(generate_args(prompts, straight) + sample + " --temperature 0.7").exit_code, 0);
  EXPECT_EQ(read(out), read(straight));
  // A complete OUT answers other prompts of the same row count: refused, not "nothing to do".
  resumed = run(generate_args(other, out) + sample + " --temperature 0.7 --resume");
  EXPECT_EQ(resumed.exit_code, 2) << resumed.output;
  EXPECT_NE(resumed.output.find("is the answer to other inputs than row 1 of these"), std::string::npos)
      << resumed.output;
  // --restart generates again.
  resumed = run(generate_args(other, out) + sample + " --temperature 0.7 --restart");
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(data::read_predictions(out, data::Task::mol2cap).rows[0].input, "CCN");
}

TEST(IcmaGenerate, PlainFilesZeroShotAndWithAnIndex) {
  const std::string smiles = write("mols.txt", "CCO\n\nC=O\n");
  const std::string out = dir() + "/plain.tsv";
  const std::string saved = dir() + "/plain.jsonl";
  const CommandResult result = run("--model " + model() + " --template " + icma_template() + " --smiles " + smiles +
                                   " --out " + out + " --max-new-tokens 5 --save-prompts " + saved);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("1 blank line(s) skipped"), std::string::npos) << result.output;
  const auto rows = data::read_predictions(out, data::Task::mol2cap).rows;
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].input, "C=O");
  EXPECT_EQ(rows[1].ground_truth, "");
  EXPECT_EQ(nlohmann::json::parse(read(saved).substr(0, read(saved).find('\n')))["prompt"],
            "Generate a caption for the molecule: CCO\n");

  // In-context prompts from an index; a short template keeps them within 128 positions.
  const std::string corpus = write("corpus.tsv",
                                   "CID\tSMILES\tdescription\n"
                                   "1\tCCO\tAn alcohol.\n"
                                   "2\tCCCO\tA propanol.\n"
                                   "3\tc1ccccc1\tBenzene.\n"
                                   "4\tCC(=O)O\tAn acid.\n");
  const CommandResult built = testing::run_command("icma-index", "build --corpus " + corpus + " --out " + dir() + "/idx");
  ASSERT_EQ(built.exit_code, 0) << built.output;
  const std::string short_template = write("short.json", R"({
    "mol2cap": {"example": "{smiles}>{caption}\n", "query": "{smiles}>", "zero_shot": "{smiles}>",
                "target": ">{caption}", "cue": ">"},
    "cap2mol": {"example": "{caption}>{smiles}\n", "query": "{caption}>", "zero_shot": "{caption}>",
                "target": ">{smiles}", "cue": ">"}})");
  const std::string query = write("query.txt", "CCCCO\n");
  const CommandResult indexed = run("--model " + model() + " --template " + short_template + " --smiles " + query +
                                    " --index " + dir() + "/idx --n-shot 2 --method morgan --out " + dir() +
                                    "/indexed.tsv --max-new-tokens 4 --save-prompts " + dir() + "/indexed.jsonl");
  ASSERT_EQ(indexed.exit_code, 0) << indexed.output;
  const auto prompt = nlohmann::json::parse(read(dir() + "/indexed.jsonl"))["prompt"].get<std::string>();
  // Two examples, the most similar (propanol) last, next to the query.
  EXPECT_EQ(prompt, "CCO>An alcohol.\nCCCO>A propanol.\nCCCCO>");
}

TEST(IcmaGenerate, StopStringsCutTheOutput) {
  const std::string prompts = write("stop.jsonl", mol2cap_jsonl(2));
  const std::string out = dir() + "/nostop.tsv";
  ASSERT_EQ(run(generate_args(prompts, out)).exit_code, 0);
  const std::string first = data::read_predictions(out, data::Task::mol2cap).rows[0].output;
  ASSERT_GE(first.size(), 3u);
  const std::string stop = first.substr(2, 1);
  const CommandResult stopped = run(generate_args(prompts, dir() + "/stop.tsv") + " --stop '" + stop + "'");
  ASSERT_EQ(stopped.exit_code, 0) << stopped.output;
  const std::string cut = data::read_predictions(dir() + "/stop.tsv", data::Task::mol2cap).rows[0].output;
  EXPECT_EQ(cut, first.substr(0, first.find(stop)));
}

// Logits parity through the command: for every architecture, the summed
// log-probabilities `score` prints equal those of tests/reference/causal_lm.py
// (an independent python3-torch implementation of the Transformers models),
// from tests/fixtures/models/logits_reference.json, with this file's tokenizer.
TEST(IcmaGenerate, ScoreEqualsTheReferenceImplementationOnEveryArchitecture) {
  const nlohmann::json reference = testing::load_json(testing::fixture_path("models/logits_reference.json"))["score"];
  for (const auto& [name, rows] : reference.items()) {
    std::string jsonl;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      jsonl += nlohmann::json{{"id", "r" + std::to_string(i)}, {"task", "mol2cap"}, {"prompt", rows[i]["prompt"]},
                              {"target", rows[i]["target"]}}.dump() + "\n";
    }
    const std::string prompts = write("parity-" + name + ".jsonl", jsonl);
    const std::string out = dir() + "/parity-" + name + ".tsv";
    const CommandResult result = testing::run_command(
        "icma-generate", "score --model " + model(name) + " --prompts " + prompts + " --out " + out + " --tokenizer " +
                             dir() + "/tokenizer --batch-size 2");
    ASSERT_EQ(result.exit_code, 0) << name << ": " << result.output;
    std::istringstream lines(read(out));
    std::string line;
    std::getline(lines, line);  // header
    for (const auto& row : rows) {
      ASSERT_TRUE(std::getline(lines, line)) << name;
      std::istringstream fields(line);
      std::string id, logprob, n_tokens;
      std::getline(fields, id, '\t');
      std::getline(fields, logprob, '\t');
      std::getline(fields, n_tokens, '\t');
      EXPECT_EQ(std::stoi(n_tokens), row["n_tokens"].get<int>()) << name << " " << id;
      EXPECT_NEAR(std::stod(logprob), row["logprob"].get<double>(), 1e-4) << name << " " << id;
    }
  }
}

TEST(IcmaGenerate, ScoreWritesLogProbabilitiesAndTokenCounts) {
  const std::string prompts = write("score.jsonl", mol2cap_jsonl(3));
  const std::string out = dir() + "/score.tsv";
  const CommandResult result = testing::run_command(
      "icma-generate", "score --model " + model() + " --prompts " + prompts + " --out " + out + " --tokenizer " +
                           dir() + "/tokenizer --batch-size 2");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  std::istringstream lines(read(out));
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "id\tlogprob\tn_tokens");
  std::vector<double> logprobs;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(std::getline(lines, line));
    std::istringstream fields(line);
    std::string id, logprob, n_tokens;
    std::getline(fields, id, '\t');
    std::getline(fields, logprob, '\t');
    std::getline(fields, n_tokens, '\t');
    EXPECT_EQ(id, "m" + std::to_string(i));
    // Training's target span (the official len(encode(prompt.strip())) mask):
    // the prompt's trailing "\n", one token per character of
    // "Caption: The molecule i." and "</s>".
    EXPECT_EQ(n_tokens, "26");
    const double value = std::stod(logprob);
    EXPECT_LT(value, 0.0);
    EXPECT_TRUE(std::isfinite(value));
    logprobs.push_back(value);
  }
  EXPECT_FALSE(std::getline(lines, line));
  // One row alone scores as in the batch.
  const std::string one = write("score1.jsonl", mol2cap_jsonl(3).substr(0, mol2cap_jsonl(3).find('\n') + 1));
  ASSERT_EQ(testing::run_command("icma-generate", "score --model " + model() + " --prompts " + one + " --out " + out +
                                                      " --tokenizer " + dir() + "/tokenizer")
                .exit_code,
            0);
  const std::string alone = read(out);
  const std::string value = alone.substr(alone.find("m0\t") + 3);
  EXPECT_NEAR(std::stod(value), logprobs[0], 1e-4);
}

TEST(IcmaGenerate, PromptsShapedAsTheOfficialInference) {
  // --strip-prompts: the model reads each prompt without its trailing newline, as if the file had none.
  const std::string unstripped_rows = mol2cap_jsonl(2);
  std::string stripped_rows = unstripped_rows;
  for (std::size_t at; (at = stripped_rows.find("\\n\",\"target")) != std::string::npos;) stripped_rows.erase(at, 2);
  ASSERT_NE(stripped_rows, unstripped_rows);
  const std::string stripped_out = dir() + "/stripped.tsv", plain_out = dir() + "/already-stripped.tsv";
  ASSERT_EQ(run(generate_args(write("strip.jsonl", unstripped_rows), stripped_out) + " --strip-prompts").exit_code, 0);
  ASSERT_EQ(run(generate_args(write("stripped.jsonl", stripped_rows), plain_out)).exit_code, 0);
  EXPECT_EQ(read(stripped_out), read(plain_out));

  // A prompt longer than the model's 128 positions generates once cut to its last (or first) tokens.
  const nlohmann::json long_row = {{"id", "long"}, {"task", "mol2cap"},
                                   {"prompt", "Generate a caption for the molecule: " + std::string(150, 'C') + "\n"}};
  const std::string long_prompts = write("long.jsonl", long_row.dump() + "\n");
  const CommandResult end_kept =
      run(generate_args(long_prompts, dir() + "/long.tsv") + " --truncate-prompts-over 100 --keep-tokens 90");
  ASSERT_EQ(end_kept.exit_code, 0) << end_kept.output;
  EXPECT_NE(end_kept.output.find("1 prompts longer than 100 tokens keep their last 90"), std::string::npos)
      << end_kept.output;
  const CommandResult start_kept = run(generate_args(long_prompts, dir() + "/long-right.tsv") +
                                       " --truncate-prompts-over 100 --truncation-side right");
  ASSERT_EQ(start_kept.exit_code, 0) << start_kept.output;
  EXPECT_NE(start_kept.output.find("1 prompts longer than 100 tokens keep their first 100"), std::string::npos)
      << start_kept.output;
  EXPECT_EQ(run(generate_args(long_prompts, dir() + "/x.tsv") + " --keep-tokens 5").exit_code, 2);  // needs the limit
}

TEST(IcmaGenerate, BadInputExitsWithTwo) {
  const std::string prompts = write("bad-ok.jsonl", mol2cap_jsonl(1));
  const std::string out = dir() + "/bad.tsv";
  // Flags.
  EXPECT_EQ(run("--model " + model() + " --out " + out).exit_code, 2);  // no input
  EXPECT_EQ(run(generate_args(prompts, out) + " --smiles " + prompts).exit_code, 2);  // two inputs
  EXPECT_EQ(run(generate_args(prompts, out) + " --num-beams 2 --do-sample").exit_code, 2);
  EXPECT_EQ(run(generate_args(prompts, out) + " --do-sample --temperature 0").exit_code, 2);
  EXPECT_EQ(run(generate_args(prompts, out) + " --dtype fp8").exit_code, 2);
  EXPECT_EQ(run(generate_args(prompts, out) + " --early-stopping sometimes").exit_code, 2);
  // Files.
  const CommandResult no_model = run("--model /does/not/exist --prompts " + prompts + " --out " + out +
                                     " --template " + icma_template());
  EXPECT_EQ(no_model.exit_code, 2) << no_model.output;
  const CommandResult not_json = run(generate_args(write("bad1.jsonl", mol2cap_jsonl(1) + "{oops\n"), out));
  EXPECT_EQ(not_json.exit_code, 2);
  EXPECT_NE(not_json.output.find("bad1.jsonl:2: not a JSON line"), std::string::npos) << not_json.output;
  const CommandResult mixed = run(generate_args(
      write("bad2.jsonl", mol2cap_jsonl(1) + R"({"id":"c","task":"cap2mol","prompt":"x\n","input":"y"})" + "\n"), out));
  EXPECT_EQ(mixed.exit_code, 2);
  EXPECT_NE(mixed.output.find("bad2.jsonl:2: task cap2mol, but the first row's is mol2cap"), std::string::npos)
      << mixed.output;
  const CommandResult no_input =
      run(generate_args(write("bad3.jsonl", R"({"id":"a","task":"mol2cap","prompt":"Hello\n"})" "\n"), out));
  EXPECT_EQ(no_input.exit_code, 2);
  EXPECT_NE(no_input.output.find("bad3.jsonl:1: cannot find the query's SMILES"), std::string::npos)
      << no_input.output;
  // A prompt longer than the model's 128 positions: refused before generating, with its line.
  const nlohmann::json long_row = {{"id", "long"}, {"task", "mol2cap"},
                                   {"prompt", "Generate a caption for the molecule: " + std::string(150, 'C') + "\n"}};
  const CommandResult too_long = run(generate_args(write("bad4.jsonl", long_row.dump() + "\n"), out));
  EXPECT_EQ(too_long.exit_code, 2);
  EXPECT_NE(too_long.output.find("bad4.jsonl:1: prompt has 189 tokens, more than the model's context of 128"),
            std::string::npos)
      << too_long.output;
  // score needs targets.
  const CommandResult no_target = testing::run_command(
      "icma-generate", "score --model " + model() + " --prompts " +
                           write("bad5.jsonl", R"({"id":"a","prompt":"x"})" "\n") + " --out " + out +
                           " --tokenizer " + dir() + "/tokenizer");
  EXPECT_EQ(no_target.exit_code, 2);
  EXPECT_NE(no_target.output.find("bad5.jsonl:1: no \"target\" field"), std::string::npos) << no_target.output;
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace icma
