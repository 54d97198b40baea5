// icma-tokenize: what an LLM's tokenizer makes of text, exactly as Hugging
// Face `tokenizers` would (tokenizer.json) or SentencePiece (tokenizer.model):
// ids, tokens, or token counts with a length histogram (why does this prompt
// exceed the cutoff?), and ids back to text.
//
//   icma-tokenize --tokenizer MODEL_DIR [FILE...]              ids, one line per input line
//   icma-tokenize --tokenizer MODEL_DIR --tokens [FILE...]     tokens, as a JSON array per line
//   icma-tokenize --tokenizer MODEL_DIR --count --jsonl --with-target --max-length 512 prompts.jsonl
//   icma-tokenize --tokenizer MODEL_DIR --decode [--skip-special] [FILE...]

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "icma/core/app.hpp"
#include "icma/core/cli_checks.hpp"
#include "icma/core/error.hpp"
#include "icma/prompt/prompt_file.hpp"
#include "icma/tokenizer/length_report.hpp"
#include "icma/tokenizer/tokenizer.hpp"

namespace {

struct Options {
  std::string tokenizer;
  std::vector<std::string> inputs;
  bool jsonl = false;
  bool with_target = false;
  bool ids = false;
  bool tokens = false;
  bool count = false;
  bool decode = false;
  bool no_special = false;
  bool skip_special = false;
  std::size_t max_length = 0;
  std::size_t show_longest = 10;
};

// One input text and where it came from.
struct Input {
  std::string file;  // "-" is stdin, shown as <stdin>
  std::size_t line = 0;
  std::string text;
};

std::string display_name(const std::string& file) { return file == "-" ? "<stdin>" : file; }

// Reads every line of every input (stdin when none). A trailing '\r' (CRLF
// files) is dropped; with --jsonl, blank lines are skipped and each other line
// must be a JSON object with a string "prompt" (and "target" with --with-target).
std::vector<Input> read_inputs(const Options& options) {
  std::vector<std::string> files = options.inputs;
  if (files.empty()) files.push_back("-");
  std::vector<Input> inputs;
  for (const std::string& file : files) {
    std::ifstream stream;
    std::istream* in = &std::cin;
    if (file != "-") {
      stream.open(file, std::ios::binary);
      if (!stream) throw icma::InputError(file, 0, "cannot open");
      in = &stream;
    }
    const std::string name = display_name(file);
    std::string line;
    std::size_t number = 0;
    if (options.jsonl && !options.decode) {
      icma::prompt::PromptFields required{false, false, options.with_target};
      for (icma::prompt::PromptRecord& record : icma::prompt::read_prompt_stream(*in, name, required)) {
        inputs.push_back({name, record.line, options.with_target ? record.prompt + record.target : std::move(record.prompt)});
      }
      continue;
    }
    while (std::getline(*in, line)) {
      ++number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      inputs.push_back({name, number, std::move(line)});
    }
    if (in->bad()) throw icma::InputError(name, 0, "read error");
  }
  return inputs;
}

std::string json_string(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int print_ids_or_tokens(const Options& options, const icma::tokenizer::Tokenizer& tokenizer,
                        const std::vector<Input>& inputs, unsigned threads) {
  std::vector<std::string> texts;
  texts.reserve(inputs.size());
  for (const Input& input : inputs) texts.push_back(input.text);
  const auto encoded = tokenizer.encode_batch(texts, !options.no_special, threads);
  std::string out;
  for (const auto& ids : encoded) {
    if (options.tokens) {
      out += '[';
      for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i > 0) out += ", ";
        out += json_string(tokenizer.id_to_token(ids[i]).value_or(""));
      }
      out += "]\n";
    } else {
      for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i > 0) out += ' ';
        out += std::to_string(ids[i]);
      }
      out += '\n';
    }
    if (out.size() > (1u << 20)) {
      std::cout << out;
      out.clear();
    }
  }
  std::cout << out << std::flush;
  return 0;
}

int print_counts(const Options& options, const icma::tokenizer::Tokenizer& tokenizer, const std::vector<Input>& inputs,
                 unsigned threads) {
  std::vector<std::string> texts;
  texts.reserve(inputs.size());
  for (const Input& input : inputs) texts.push_back(input.text);
  std::vector<std::size_t> lengths;
  for (const auto& ids : tokenizer.encode_batch(texts, !options.no_special, threads)) lengths.push_back(ids.size());
  std::cout << "tokenizer: " << tokenizer.describe() << (options.no_special ? " (no special tokens)" : "") << "\n"
            << icma::tokenizer::length_report(lengths, options.max_length, options.show_longest, [&](std::size_t i) {
                 return inputs[i].file + ":" + std::to_string(inputs[i].line);
               })
            << std::flush;
  return 0;
}

// Lines of ids (separated by spaces, tabs or commas; surrounding [ ] allowed,
// so that --tokens-style JSON arrays of numbers work too) back to text.
int print_decoded(const Options& options, const icma::tokenizer::Tokenizer& tokenizer, const std::vector<Input>& inputs) {
  const std::size_t vocab = tokenizer.vocab_size();
  std::string out;
  for (const Input& input : inputs) {
    std::vector<std::uint32_t> ids;
    std::size_t i = 0;
    const std::string& line = input.text;
    const auto separator = [](char c) { return c == ' ' || c == '\t' || c == ',' || c == '[' || c == ']'; };
    while (i < line.size()) {
      if (separator(line[i])) {
        ++i;
        continue;
      }
      std::size_t end = i;
      while (end < line.size() && !separator(line[end])) ++end;
      const std::string word = line.substr(i, end - i);
      const bool digits = word.size() <= 10 && std::all_of(word.begin(), word.end(), [](char c) {
        return c >= '0' && c <= '9';
      });
      if (!digits) throw icma::InputError(input.file, input.line, "not a token id: \"" + word + "\"");
      const std::uint64_t id = std::stoull(word);
      if (id >= vocab) {
        throw icma::InputError(input.file, input.line,
                               "token id " + word + " is out of range (vocabulary size " + std::to_string(vocab) + ")");
      }
      ids.push_back(static_cast<std::uint32_t>(id));
      i = end;
    }
    out += tokenizer.decode(ids, options.skip_special);
    out += '\n';
  }
  std::cout << out << std::flush;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Tokenize text with an LLM's tokenizer, exactly as Hugging Face `tokenizers` (tokenizer.json) or\n"
      "SentencePiece (tokenizer.model) do: ids, tokens, or token counts with a length histogram; or decode\n"
      "ids back to text. Input: lines of FILEs (or stdin), one text per line, or JSONL prompts (--jsonl).",
      "icma-tokenize"};
  app.footer(
      "Examples:\n"
      "  echo 'The molecule is a steroid.' | icma-tokenize --tokenizer models/galactica-125m\n"
      "      ids of each line, special tokens included (as the model sees them in training)\n"
      "  icma-tokenize --tokenizer models/mistral-7b-v0.1/tokenizer.model --tokens --no-special captions.txt\n"
      "      the tokens of each line, as a JSON array\n"
      "  icma-tokenize --tokenizer models/galactica-125m --count --jsonl --with-target --max-length 512 "
      "train.jsonl\n"
      "      length statistics and histogram of prompt+target, how many exceed 512 tokens, and which (file:line)\n"
      "  echo '0 464 27298 318' | icma-tokenize --tokenizer models/gpt2 --decode --skip-special\n"
      "      ids back to text (ids separated by spaces or commas; [ ] allowed)\n"
      "Trailing '\\r' of CRLF lines is dropped. --tokenizer takes a model directory (tokenizer.json preferred,\n"
      "else tokenizer.model), a tokenizer.json or a tokenizer.model; BOS/EOS come from the directory's\n"
      "tokenizer_config.json / special_tokens_map.json.\n"
      "Exit codes: 0 done, 1 failure, 2 bad input or flags (with file:line).");
  icma::CommonOptions common;
  icma::add_common_options(app, common);
  Options options;
  app.add_option("--tokenizer", options.tokenizer,
                 "a model directory, a tokenizer.json or a SentencePiece tokenizer.model")
      ->required();
  app.add_option("inputs", options.inputs, "input files, one text per line (default or '-': stdin)");
  auto* jsonl = app.add_flag("--jsonl", options.jsonl,
                             "inputs are JSONL prompt files (icma-prompt's output): tokenize each \"prompt\"");
  app.add_flag("--with-target", options.with_target, "with --jsonl: tokenize \"prompt\" + \"target\", as training does")
      ->needs(jsonl);
  auto* ids = app.add_flag("--ids", options.ids, "print the ids of each text, space-separated (the default)");
  auto* tokens = app.add_flag("--tokens", options.tokens, "print the tokens of each text as a JSON array");
  auto* count = app.add_flag("--count", options.count,
                             "print length statistics (min, mean, percentiles, max) and a histogram");
  auto* decode = app.add_flag("--decode", options.decode, "read lines of ids and print their text");
  ids->excludes(tokens, count, decode);
  tokens->excludes(count, decode);
  count->excludes(decode);
  decode->excludes(jsonl);
  app.add_flag("--no-special", options.no_special,
               "encode without special tokens (no BOS/EOS from the post-processor)");
  app.add_flag("--skip-special", options.skip_special, "with --decode: leave special tokens out of the text")
      ->needs(decode);
  app.add_option("--max-length", options.max_length,
                 "with --count: report the texts longer than this many tokens (e.g. the training cutoff)")
      ->check(icma::cli::whole(0, 1e9))
      ->needs(count);
  app.add_option("--show-longest", options.show_longest,
                 "with --count --max-length: list at most this many of the over-length texts")
      ->check(icma::cli::whole(0, 1e6))
      ->capture_default_str();

  return icma::run_app(app, common, argc, argv, [&] {
    for (const std::string& input : options.inputs) {
      if (input != "-" && !std::ifstream(input).good()) throw icma::InputError(input, 0, "cannot open");
    }
    const icma::tokenizer::Tokenizer tokenizer = icma::tokenizer::Tokenizer::load(options.tokenizer);
    spdlog::debug("tokenizer: {}", tokenizer.describe());
    const std::vector<Input> inputs = read_inputs(options);
    if (options.decode) return print_decoded(options, tokenizer, inputs);
    if (options.count) return print_counts(options, tokenizer, inputs, common.resolved_threads());
    return print_ids_or_tokens(options, tokenizer, inputs, common.resolved_threads());
  });
}
