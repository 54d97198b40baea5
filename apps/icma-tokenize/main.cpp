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
#include "icma/core/error.hpp"
#include "icma/llm/tokenizer.hpp"

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
    while (std::getline(*in, line)) {
      ++number;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!options.jsonl || options.decode) {
        inputs.push_back({name, number, std::move(line)});
        continue;
      }
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      nlohmann::json record;
      try {
        record = nlohmann::json::parse(line);
      } catch (const nlohmann::json::parse_error& e) {
        throw icma::InputError(name, number, std::string("not a JSON line: ") + e.what());
      }
      if (!record.is_object()) throw icma::InputError(name, number, "expected a JSON object with a \"prompt\" field");
      const auto text_field = [&](const char* key) {
        const auto it = record.find(key);
        if (it == record.end()) throw icma::InputError(name, number, std::string("no \"") + key + "\" field");
        if (!it->is_string()) throw icma::InputError(name, number, std::string("\"") + key + "\" is not a string");
        return it->get<std::string>();
      };
      std::string text = text_field("prompt");
      if (options.with_target) text += text_field("target");
      inputs.push_back({name, number, std::move(text)});
    }
    if (in->bad()) throw icma::InputError(name, 0, "read error");
  }
  return inputs;
}

std::string json_string(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int print_ids_or_tokens(const Options& options, const icma::llm::Tokenizer& tokenizer,
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

// The value at fraction q of the sorted lengths (nearest rank).
std::size_t percentile(const std::vector<std::size_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

int print_counts(const Options& options, const icma::llm::Tokenizer& tokenizer, const std::vector<Input>& inputs,
                 unsigned threads) {
  std::vector<std::string> texts;
  texts.reserve(inputs.size());
  for (const Input& input : inputs) texts.push_back(input.text);
  const auto encoded = tokenizer.encode_batch(texts, !options.no_special, threads);
  std::vector<std::size_t> lengths;
  lengths.reserve(encoded.size());
  std::size_t total = 0;
  for (const auto& ids : encoded) {
    lengths.push_back(ids.size());
    total += ids.size();
  }
  std::vector<std::size_t> sorted = lengths;
  std::sort(sorted.begin(), sorted.end());

  std::ostringstream out;
  out << "tokenizer: " << tokenizer.describe() << (options.no_special ? " (no special tokens)" : "") << "\n";
  out << "texts: " << lengths.size() << "   tokens: " << total << "\n";
  if (lengths.empty()) {
    std::cout << out.str() << std::flush;
    return 0;
  }
  const double mean = static_cast<double>(total) / static_cast<double>(lengths.size());
  out << "min " << sorted.front() << "   mean " << std::fixed;
  out.precision(1);
  out << mean << "   p50 " << percentile(sorted, 0.5) << "   p90 " << percentile(sorted, 0.9) << "   p95 "
      << percentile(sorted, 0.95) << "   p99 " << percentile(sorted, 0.99) << "   max " << sorted.back() << "\n";

  // Histogram: buckets of a round width, about 10-20 of them, plus one
  // boundary at --max-length so that the over-length texts stand apart.
  const std::size_t top = sorted.back() + 1;
  std::size_t width = 1;
  while (top > width * 20) {
    if (top <= width * 2 * 20) { width *= 2; break; }
    if (top <= width * 5 * 20) { width *= 5; break; }
    width *= 10;
  }
  // Bucket ranges [low, high]; the one holding --max-length is split there.
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  for (std::size_t low = 0; low < top; low += width) {
    const std::size_t high = low + width - 1;
    const std::size_t limit = options.max_length;
    if (limit > 0 && low <= limit && limit < high) {
      ranges.emplace_back(low, limit);
      ranges.emplace_back(limit + 1, high);
    } else {
      ranges.emplace_back(low, high);
    }
  }
  std::vector<std::size_t> counts(ranges.size(), 0);
  for (std::size_t n : lengths) {
    for (std::size_t b = 0; b < ranges.size(); ++b) {
      if (n >= ranges[b].first && n <= ranges[b].second) {
        ++counts[b];
        break;
      }
    }
  }
  const std::size_t peak = *std::max_element(counts.begin(), counts.end());
  out << "histogram (tokens per text):\n";
  for (std::size_t b = 0; b < ranges.size(); ++b) {
    const auto [low, high] = ranges[b];
    std::string label = low == high ? std::to_string(low) : std::to_string(low) + "-" + std::to_string(high);
    const bool over = options.max_length > 0 && low > options.max_length;
    const std::size_t bar = peak == 0 ? 0 : (counts[b] * 50 + peak - 1) / peak;
    if (label.size() < 12) label.insert(0, 12 - label.size(), ' ');
    std::string count = std::to_string(counts[b]);
    if (count.size() < 8) count.insert(0, 8 - count.size(), ' ');
    out << label << " " << count << " " << std::string(bar, '#') << (over ? "  (over --max-length)" : "") << "\n";
  }

  if (options.max_length > 0) {
    std::vector<std::size_t> over;
    for (std::size_t i = 0; i < lengths.size(); ++i) {
      if (lengths[i] > options.max_length) over.push_back(i);
    }
    out.precision(2);
    out << "over --max-length " << options.max_length << ": " << over.size() << " of " << lengths.size() << " ("
        << 100.0 * static_cast<double>(over.size()) / static_cast<double>(lengths.size()) << "%)\n";
    std::stable_sort(over.begin(), over.end(), [&](std::size_t a, std::size_t b) { return lengths[a] > lengths[b]; });
    if (!over.empty()) {
      out << "longest:\n";
      for (std::size_t k = 0; k < over.size() && k < options.show_longest; ++k) {
        const Input& input = inputs[over[k]];
        out << "  " << input.file << ":" << input.line << "  " << lengths[over[k]] << " tokens (+"
            << lengths[over[k]] - options.max_length << ")\n";
      }
    }
  }
  std::cout << out.str() << std::flush;
  return 0;
}

// Lines of ids (separated by spaces, tabs or commas; surrounding [ ] allowed,
// so that --tokens-style JSON arrays of numbers work too) back to text.
int print_decoded(const Options& options, const icma::llm::Tokenizer& tokenizer, const std::vector<Input>& inputs) {
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
      ->needs(count);
  app.add_option("--show-longest", options.show_longest,
                 "with --count --max-length: list at most this many of the over-length texts")
      ->capture_default_str();

  return icma::run_app(app, common, argc, argv, [&] {
    for (const std::string& input : options.inputs) {
      if (input != "-" && !std::ifstream(input).good()) throw icma::InputError(input, 0, "cannot open");
    }
    const icma::llm::Tokenizer tokenizer = icma::llm::Tokenizer::load(options.tokenizer);
    spdlog::debug("tokenizer: {}", tokenizer.describe());
    const std::vector<Input> inputs = read_inputs(options);
    if (options.decode) return print_decoded(options, tokenizer, inputs);
    if (options.count) return print_counts(options, tokenizer, inputs, common.resolved_threads());
    return print_ids_or_tokens(options, tokenizer, inputs, common.resolved_threads());
  });
}
