// icma-generate: an LLM's answers to prompts, written as MolT5 prediction
// files that icma-eval scores directly; and `score`, the log-probability of
// given targets.
//
//   icma-generate --model DIR --prompts test.jsonl --out pred.tsv          prompts from icma-prompt
//   icma-generate --model DIR --smiles mols.txt --out captions.tsv         zero-shot Mol2Cap
//   icma-generate --model DIR --captions caps.txt --index idx --out mols.tsv   ICMA in-context Cap2Mol
//   icma-generate score --model DIR --prompts candidates.jsonl --out scores.tsv
//
// Resumable: rows are appended to OUT.partial as they finish (one line each,
// flushed per batch); at the end OUT is written atomically from it and the
// partial file removed. --resume continues a partial file, skipping its rows.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <torch/torch.h>

#include "icma/core/app.hpp"
#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/core/progress.hpp"
#include "icma/core/random.hpp"
#include "icma/data/dataset.hpp"
#include "icma/data/predictions.hpp"
#include "icma/llm/tokenizer.hpp"
#include "icma/model/causal_lm.hpp"
#include "icma/model/generation.hpp"
#include "icma/prompt/template.hpp"
#include "icma/retrieval/corpus_index.hpp"
#include "icma/retrieval/retrieve.hpp"

namespace {

namespace fs = std::filesystem;
using icma::InputError;
using icma::data::Task;

struct Flags {
  std::string model;
  std::string adapter;
  std::string tokenizer;
  std::string prompts;
  std::string smiles;
  std::string captions;
  std::string index;
  std::string method;
  std::size_t n_shot = 0;  // 0 = the task's default
  bool allow_stale = false;
  std::string template_file;
  bool wrap_smiles = false;
  std::string save_prompts;
  std::string out;
  std::size_t batch_size = 8;
  std::string dtype = "fp32";
  std::string device = "cpu";
  bool resume = false;
  // generation
  int64_t max_new_tokens = 256;
  bool do_sample = false;
  double temperature = 1.0;
  int64_t top_k = 50;
  double top_p = 1.0;
  double repetition_penalty = 1.0;
  int64_t num_beams = 1;
  double length_penalty = 1.0;
  std::string early_stopping = "heuristic";
  std::vector<std::string> stop;
  bool no_cache = false;
};

// One prompt to answer (or score), and where it came from.
struct Job {
  std::size_t row = 0;  // position among the inputs: the key of the partial file and of the sampling seed
  std::string id;
  std::string file;
  std::size_t line = 0;
  Task task = Task::mol2cap;
  std::string prompt;
  std::string target;  // empty for plain files
  std::string input;   // the query's SMILES or caption (the predictions' first column)
  std::vector<int64_t> ids;
};


bool has_tab_or_newline(const std::string& text) { return text.find_first_of("\t\r\n") != std::string::npos; }

// ---- inputs -----------------------------------------------------------------

// JSONL rows {"id","task","prompt","target","examples"[, "input"]}; blank lines skipped.
std::vector<Job> read_jsonl(const std::string& path, bool need_target) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "cannot open");
  std::vector<Job> jobs;
  std::string text;
  std::size_t number = 0;
  while (std::getline(in, text)) {
    ++number;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      throw InputError(path, number, std::string("not a JSON line: ") + e.what());
    }
    if (!record.is_object()) throw InputError(path, number, "expected a JSON object");
    const auto string_field = [&](const char* key, bool required) -> std::string {
      const auto it = record.find(key);
      if (it == record.end() || it->is_null()) {
        if (required) throw InputError(path, number, std::string("no \"") + key + "\" field");
        return "";
      }
      if (it->is_number_integer() && std::string(key) == "id") return it->dump();
      if (!it->is_string()) throw InputError(path, number, std::string("\"") + key + "\" is not a string");
      return it->get<std::string>();
    };
    Job job;
    job.row = jobs.size();
    job.file = path;
    job.line = number;
    job.id = string_field("id", false);
    if (job.id.empty()) job.id = std::to_string(number);
    if (has_tab_or_newline(job.id)) throw InputError(path, number, "\"id\" contains a tab or newline");
    const std::string task = string_field("task", !need_target);
    if (!task.empty()) {
      try {
        job.task = icma::data::parse_task(task);
      } catch (const InputError& e) {
        throw InputError(path, number, e.what());
      }
    }
    job.prompt = string_field("prompt", true);
    job.target = string_field("target", need_target);
    job.input = string_field("input", false);
    jobs.push_back(std::move(job));
  }
  if (in.bad()) throw InputError(path, 0, "read error");
  return jobs;
}

// One SMILES or caption per line; blank lines are skipped with a warning.
std::vector<Job> read_plain(const std::string& path, Task task) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "cannot open");
  std::vector<Job> jobs;
  std::string text;
  std::size_t number = 0;
  std::size_t blank = 0;
  while (std::getline(in, text)) {
    ++number;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    const std::size_t begin = text.find_first_not_of(" \t");
    if (begin == std::string::npos) {
      ++blank;
      continue;
    }
    text = text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
    if (text.find('\t') != std::string::npos) throw InputError(path, number, "contains a tab");
    Job job;
    job.row = jobs.size();
    job.id = std::to_string(number);
    job.file = path;
    job.line = number;
    job.task = task;
    job.input = text;
    jobs.push_back(std::move(job));
  }
  if (in.bad()) throw InputError(path, 0, "read error");
  if (blank > 0) spdlog::warn("{}: {} blank line(s) skipped", path, blank);
  return jobs;
}

// Zero-shot prompts, or in-context prompts with examples retrieved from the
// index's corpus (most similar last, next to the query).
void build_prompts(std::vector<Job>& jobs, Task task, const Flags& flags, const icma::prompt::PromptTemplates& templates,
                   unsigned threads, std::uint64_t seed) {
  if (flags.index.empty()) {
    for (Job& job : jobs) job.prompt = templates.prompt(task, job.input, {});
    return;
  }
  using namespace icma::retrieval;
  const CorpusIndex index = CorpusIndex::open(flags.index, flags.allow_stale);
  const std::string corpus_path = index.manifest().at("corpus").at("path").get<std::string>();
  const icma::data::Dataset corpus = icma::data::read_dataset(corpus_path, icma::data::BadRowPolicy::skip);
  std::unordered_map<std::string, const icma::data::MoleculeRecord*> by_id;
  for (const auto& record : corpus.records) by_id.emplace(record.cid, &record);

  RetrieveOptions options;
  options.task = task;
  options.method = !flags.method.empty() ? parse_retrieval_method(flags.method)
                                         : (task == Task::cap2mol ? RetrievalMethod::bm25 : RetrievalMethod::morgan);
  check_method_fits_task(options.method, task);
  const std::size_t n_shot = flags.n_shot > 0 ? flags.n_shot : (task == Task::mol2cap ? 2 : 4);
  options.k = n_shot;
  options.select = n_shot;
  options.reverse = true;
  options.seed = seed;
  options.threads = threads;
  icma::data::Dataset queries;
  queries.path = jobs.empty() ? "" : jobs.front().file;
  for (const Job& job : jobs) {
    icma::data::MoleculeRecord record;
    record.cid = "query-" + job.id;
    record.line = job.line;
    (task == Task::mol2cap ? record.smiles : record.description) = job.input;
    queries.records.push_back(std::move(record));
  }
  const RetrievalResult result = retrieve(index, queries, options);
  std::unordered_map<std::string, const QueryNeighbours*> neighbours;
  for (const QueryNeighbours& q : result.queries) neighbours.emplace(q.query_id, &q);
  if (result.unparsable_queries > 0) {
    spdlog::warn("{} SMILES quer{} did not parse: zero-shot prompts for them", result.unparsable_queries,
                 result.unparsable_queries == 1 ? "y" : "ies");
  }
  for (Job& job : jobs) {
    std::vector<icma::prompt::Example> examples;
    if (const auto it = neighbours.find("query-" + job.id); it != neighbours.end()) {
      for (const NeighbourEntry& entry : it->second->neighbours) {
        const auto record = by_id.find(entry.neighbour_id);
        if (record == by_id.end()) {
          throw InputError(corpus_path, 0, "the index names corpus id " + entry.neighbour_id + ", which is not in the file");
        }
        examples.push_back({record->second->smiles, record->second->description});
      }
    }
    job.prompt = templates.prompt(task, job.input, examples);
  }
}

void tokenize(std::vector<Job>& jobs, const icma::llm::Tokenizer& tokenizer, unsigned threads) {
  std::vector<std::string> texts;
  texts.reserve(jobs.size());
  for (const Job& job : jobs) texts.push_back(job.prompt);
  const auto encoded = tokenizer.encode_batch(texts, true, threads);
  for (std::size_t i = 0; i < jobs.size(); ++i) jobs[i].ids.assign(encoded[i].begin(), encoded[i].end());
}

// Prompts longer than the model's context are refused up front (exit 2),
// before any time is spent generating: cutting them would drop the
// instruction or the examples without the user knowing.
void check_context(const std::vector<Job>& jobs, int64_t context, const std::string& what) {
  if (context <= 0) return;
  for (const Job& job : jobs) {
    if (job.ids.empty()) throw InputError(job.file, job.line, what + " has no tokens");
    if (static_cast<int64_t>(job.ids.size()) > context) {
      throw InputError(job.file, job.line,
                       what + " has " + std::to_string(job.ids.size()) + " tokens, more than the model's context of " +
                           std::to_string(context) +
                           " (use fewer examples: --n-shot, or icma-prompt --cutoff-len)");
    }
  }
}

// The prompts as JSONL (icma-prompt's format, plus "input"), to see what the model is asked.
void save_prompts(const std::string& path, const std::vector<Job>& jobs) {
  icma::AtomicFile file(path);
  for (const Job& job : jobs) {
    nlohmann::json row = {{"id", job.id}, {"task", icma::data::task_name(job.task)}, {"prompt", job.prompt},
                          {"target", job.target}, {"input", job.input}};
    file.stream() << row.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  }
  file.commit();
  spdlog::info("wrote {} prompts to {}", jobs.size(), path);
}

// ---- model ------------------------------------------------------------------

torch::Dtype parse_dtype(const std::string& name) {
  if (name == "fp32" || name == "float32") return torch::kFloat32;
  if (name == "fp16" || name == "float16") return torch::kFloat16;
  if (name == "bf16" || name == "bfloat16") return torch::kBFloat16;
  throw InputError("unknown --dtype '" + name + "' (use fp32, fp16 or bf16)");
}

std::unique_ptr<icma::model::CausalLM> load_model(const Flags& flags) {
  icma::model::LoadOptions options;
  options.dtype = parse_dtype(flags.dtype);
  try {
    options.device = torch::Device(flags.device);
  } catch (const std::exception&) {
    throw InputError("unknown --device '" + flags.device + "' (use cpu, cuda or cuda:N)");
  }
  if (options.device.is_cuda() && !torch::cuda::is_available()) {
    throw InputError("--device " + flags.device + ": this LibTorch has no CUDA device available");
  }
  if (options.device.is_cpu() && options.dtype != torch::kFloat32) {
    spdlog::warn("--dtype {} on CPU: LibTorch's half-precision CPU kernels are slow; fp32 is the default", flags.dtype);
  }
  options.adapter = flags.adapter;
  return icma::model::CausalLM::load(flags.model, options);
}

icma::llm::Tokenizer load_tokenizer(const Flags& flags) {
  return icma::llm::Tokenizer::load(flags.tokenizer.empty() ? flags.model : flags.tokenizer);
}

std::vector<uint32_t> to_u32(const std::vector<int64_t>& ids) { return {ids.begin(), ids.end()}; }

// ---- the partial output file ------------------------------------------------

constexpr const char* kPartialHeader = "# icma-generate partial output: row\tid\tinput\tground truth\toutput";

struct Done {
  std::string input, ground_truth, output;
};

// Reads OUT.partial: complete lines only (a line cut by a crash is dropped
// from the file). Rows must match the inputs' ids, else it belongs to another run.
std::map<std::size_t, Done> read_partial(const std::string& path, const std::vector<Job>& jobs) {
  std::map<std::size_t, Done> done;
  std::string content = icma::read_file(path);
  const std::size_t complete = content.rfind('\n') == std::string::npos ? 0 : content.rfind('\n') + 1;
  if (complete < content.size()) {
    spdlog::warn("{}: dropping an incomplete last line (the run was interrupted while writing it)", path);
    content.resize(complete);
    fs::resize_file(path, complete);
  }
  std::istringstream in(content);
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (number == 1) {
      if (line != kPartialHeader) throw InputError(path, 1, "not an icma-generate partial output file");
      continue;
    }
    std::vector<std::string> fields;
    std::size_t begin = 0;
    while (true) {
      const std::size_t tab = line.find('\t', begin);
      fields.push_back(line.substr(begin, tab == std::string::npos ? std::string::npos : tab - begin));
      if (tab == std::string::npos) break;
      begin = tab + 1;
    }
    if (fields.size() != 5) throw InputError(path, number, "expected 5 tab-separated fields");
    std::size_t row = 0;
    try {
      row = std::stoul(fields[0]);
    } catch (const std::exception&) {
      throw InputError(path, number, "bad row number '" + fields[0] + "'");
    }
    if (row >= jobs.size() || jobs[row].id != fields[1]) {
      throw InputError(path, number,
                       "row " + fields[0] + " (id " + fields[1] +
                           ") is not in the inputs: the partial file comes from other inputs; remove it or run "
                           "without --resume");
    }
    done[row] = Done{fields[2], fields[3], fields[4]};
  }
  if (number == 0) throw InputError(path, 0, "empty partial file");
  return done;
}

std::string clean_output(std::string text) {
  std::replace(text.begin(), text.end(), '\t', ' ');
  return text;
}

// ---- generate ---------------------------------------------------------------

icma::model::EarlyStopping parse_early_stopping(const std::string& name) {
  if (name == "heuristic" || name == "false") return icma::model::EarlyStopping::kHeuristic;
  if (name == "first" || name == "true") return icma::model::EarlyStopping::kFirst;
  if (name == "never") return icma::model::EarlyStopping::kNever;
  throw InputError("unknown --early-stopping '" + name + "' (use heuristic, first or never)");
}

int run_generate(const Flags& flags, const icma::CommonOptions& common) {
  const int sources = !flags.prompts.empty() + !flags.smiles.empty() + !flags.captions.empty();
  if (sources != 1) throw InputError("give exactly one of --prompts, --smiles, --captions");
  if (flags.model.empty()) throw InputError("--model is required");
  if (flags.out.empty()) throw InputError("--out is required");
  if (!flags.index.empty() && !flags.prompts.empty()) {
    throw InputError("--index builds prompts for --smiles/--captions; --prompts files already hold theirs");
  }
  if (flags.batch_size == 0) throw InputError("--batch-size must be >= 1");
  const unsigned threads = common.resolved_threads();
  torch::set_num_threads(static_cast<int>(threads));

  icma::model::GenerationOptions options;
  options.max_new_tokens = flags.max_new_tokens;
  options.do_sample = flags.do_sample;
  options.temperature = flags.temperature;
  options.top_k = flags.top_k;
  options.top_p = flags.top_p;
  options.repetition_penalty = flags.repetition_penalty;
  options.num_beams = flags.num_beams;
  options.length_penalty = flags.length_penalty;
  options.early_stopping = parse_early_stopping(flags.early_stopping);
  options.stop_strings = flags.stop;
  options.use_cache = !flags.no_cache;
  options.seed = common.seed;
  options.decode = [](const std::vector<int64_t>&) { return std::string(); };  // replaced below
  icma::model::check_generation_options(options);

  // Inputs and prompts, all checked before the model loads.
  const std::string template_path =
      flags.template_file.empty() ? icma::prompt::PromptTemplates::default_path() : flags.template_file;
  icma::prompt::PromptTemplates templates = icma::prompt::PromptTemplates::load(template_path);
  if (flags.wrap_smiles) templates.set_wrap_smiles(true);
  std::vector<Job> jobs;
  if (!flags.prompts.empty()) {
    jobs = read_jsonl(flags.prompts, false);
  } else {
    const Task task = flags.smiles.empty() ? Task::cap2mol : Task::mol2cap;
    jobs = read_plain(flags.smiles.empty() ? flags.captions : flags.smiles, task);
    build_prompts(jobs, task, flags, templates, threads, common.seed);
  }
  if (jobs.empty()) throw InputError((flags.prompts + flags.smiles + flags.captions), 0, "no inputs");
  const Task task = jobs.front().task;
  const icma::llm::Tokenizer tokenizer = load_tokenizer(flags);
  const std::optional<uint32_t> eos = tokenizer.special_tokens().eos;
  const std::string eos_text = eos ? tokenizer.id_to_token(*eos).value_or("") : "";
  std::vector<std::string> ground_truth(jobs.size());
  for (Job& job : jobs) {
    if (job.task != task) {
      throw InputError(job.file, job.line, std::string("task ") + icma::data::task_name(job.task) + ", but the first row's is " +
                                       icma::data::task_name(task) + ": one predictions file holds one task");
    }
    if (job.input.empty()) {
      const auto input = templates.input_of_prompt(task, job.prompt);
      if (!input) {
        throw InputError(job.file, job.line, "cannot find the query's " + std::string(task == Task::mol2cap ? "SMILES" : "caption") +
                                         " on the prompt's last line with the template " + template_path +
                                         "; give it in an \"input\" field");
      }
      job.input = *input;
    }
    ground_truth[job.row] = job.target.empty() ? "" : templates.answer_of_target(task, job.target, eos_text);
    if (has_tab_or_newline(job.input) || has_tab_or_newline(ground_truth[job.row])) {
      throw InputError(job.file, job.line, "the input or target holds a tab or newline, which a predictions file cannot carry");
    }
  }

  if (!flags.save_prompts.empty()) save_prompts(flags.save_prompts, jobs);

  // Resuming.
  const std::string partial_path = flags.out + ".partial";
  std::map<std::size_t, Done> done;
  if (flags.resume) {
    if (fs::exists(partial_path)) {
      done = read_partial(partial_path, jobs);
      spdlog::info("resuming: {} of {} rows already in {}", done.size(), jobs.size(), partial_path);
    } else if (fs::exists(flags.out)) {
      const auto existing = icma::data::read_predictions(flags.out, task);
      if (existing.rows.size() == jobs.size()) {
        spdlog::info("{} is complete ({} rows); nothing to do", flags.out, jobs.size());
        return 0;
      }
      throw InputError(flags.out, 0,
                       "holds " + std::to_string(existing.rows.size()) + " rows but there are " +
                           std::to_string(jobs.size()) + " inputs, and there is no " + partial_path +
                           " to resume; remove it or run without --resume");
    }
  } else if (fs::exists(partial_path)) {
    spdlog::info("{} exists: starting over (--resume would continue it)", partial_path);
  }

  std::vector<Job*> pending;
  for (Job& job : jobs) {
    if (done.count(job.row) == 0) pending.push_back(&job);
  }
  std::unique_ptr<icma::model::CausalLM> model;
  if (!pending.empty()) {
    tokenize(jobs, tokenizer, threads);
    model = load_model(flags);
    check_context(jobs, model->config().max_position_embeddings, "prompt");
    options.eos_token_ids = model->config().eos_token_ids;
    if (eos && std::find(options.eos_token_ids.begin(), options.eos_token_ids.end(), *eos) == options.eos_token_ids.end()) {
      options.eos_token_ids.push_back(*eos);
    }
    if (!model->config().pad_token_id && tokenizer.special_tokens().pad) options.pad_token_id = *tokenizer.special_tokens().pad;
  }
  options.decode = [&tokenizer](const std::vector<int64_t>& ids) { return tokenizer.decode(to_u32(ids), true); };

  std::ofstream partial;
  if (!pending.empty()) {
    partial.open(partial_path, flags.resume && !done.empty() ? std::ios::app | std::ios::binary
                                                             : std::ios::trunc | std::ios::binary);
    if (!partial) throw InputError(partial_path, 0, "cannot write");
    if (!(flags.resume && !done.empty())) partial << kPartialHeader << '\n' << std::flush;
  }

  // Longest prompts first: similar lengths share a batch (less padding), and
  // the largest memory need shows at once rather than hours in.
  std::stable_sort(pending.begin(), pending.end(), [](const Job* a, const Job* b) { return a->ids.size() > b->ids.size(); });
  std::map<icma::model::FinishReason, std::size_t> reasons;
  double generate_seconds = 0.0;
  std::size_t new_tokens = 0;
  {
    icma::Progress progress("generating", pending.size());
    for (std::size_t begin = 0; begin < pending.size(); begin += flags.batch_size) {
      const std::size_t end = std::min(pending.size(), begin + flags.batch_size);
      std::vector<std::vector<int64_t>> prompts;
      icma::model::GenerationOptions batch_options = options;
      for (std::size_t i = begin; i < end; ++i) {
        prompts.push_back(pending[i]->ids);
        // The seed stream of a row is its position among the inputs, so that
        // batch size, ordering and resuming leave samples unchanged.
        batch_options.row_seeds.push_back(icma::Rng::for_stream(common.seed, pending[i]->row).next());
      }
      const auto started = std::chrono::steady_clock::now();
      const auto results = icma::model::generate(*model, prompts, batch_options);
      generate_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      for (const auto& result : results) new_tokens += result.tokens.size();
      std::string lines;
      for (std::size_t i = begin; i < end; ++i) {
        const Job& job = *pending[i];
        const icma::model::Generated& result = results[i - begin];
        ++reasons[result.finish];
        std::string text = tokenizer.decode(to_u32(result.tokens), true);
        for (const std::string& stop : flags.stop) {
          const std::size_t at = text.find(stop);
          if (at != std::string::npos) text.resize(at);
        }
        const std::string output = clean_output(templates.answer_of_output(task, text));
        spdlog::debug("{} ({}): {}", job.id, icma::model::finish_reason_name(result.finish), text);
        lines += std::to_string(job.row) + '\t' + job.id + '\t' + job.input + '\t' + ground_truth[job.row] + '\t' +
                 output + '\n';
        done[job.row] = Done{job.input, ground_truth[job.row], output};
      }
      partial << lines << std::flush;
      if (!partial) throw icma::Error(partial_path + ": write failed");
      progress.advance(end - begin);
    }
  }
  if (reasons[icma::model::FinishReason::kContextFull] > 0) {
    spdlog::warn("{} row(s) stopped because prompt + answer filled the model's context of {} tokens",
                 reasons[icma::model::FinishReason::kContextFull], model->config().max_position_embeddings);
  }
  if (!pending.empty()) {
    spdlog::info("finished rows: {} by EOS, {} by a stop string, {} at --max-new-tokens",
                 reasons[icma::model::FinishReason::kEos], reasons[icma::model::FinishReason::kStopString],
                 reasons[icma::model::FinishReason::kMaxNewTokens]);
    spdlog::info("generated {} tokens in {:.3f} s: {:.2f} tokens/s", new_tokens, generate_seconds,
                 generate_seconds > 0 ? static_cast<double>(new_tokens) / generate_seconds : 0.0);
  }
  partial.close();

  std::vector<icma::data::Prediction> rows;
  rows.reserve(jobs.size());
  for (const Job& job : jobs) {
    const Done& d = done.at(job.row);
    rows.push_back(icma::data::Prediction{d.input, d.ground_truth, d.output, 0});
  }
  icma::data::write_predictions(flags.out, task, rows);
  std::error_code ignored;
  fs::remove(partial_path, ignored);
  spdlog::info("wrote {} predictions to {}", rows.size(), flags.out);
  return 0;
}

// ---- score ------------------------------------------------------------------

int run_score(const Flags& flags, const icma::CommonOptions& common) {
  if (flags.model.empty()) throw InputError("--model is required");
  if (flags.prompts.empty()) throw InputError("--prompts is required");
  if (flags.out.empty()) throw InputError("--out is required");
  if (flags.batch_size == 0) throw InputError("--batch-size must be >= 1");
  const unsigned threads = common.resolved_threads();
  torch::set_num_threads(static_cast<int>(threads));
  std::vector<Job> jobs = read_jsonl(flags.prompts, true);
  const icma::llm::Tokenizer tokenizer = load_tokenizer(flags);

  // As the ICMA training code: ids = encode(prompt + target); the target's
  // tokens are those after the first len(encode(prompt)).
  std::vector<std::string> full;
  std::vector<std::string> prompts;
  for (const Job& job : jobs) {
    full.push_back(job.prompt + job.target);
    prompts.push_back(job.prompt);
  }
  const auto full_ids = tokenizer.encode_batch(full, true, threads);
  const auto prompt_ids = tokenizer.encode_batch(prompts, true, threads);
  std::vector<std::size_t> target_begin(jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    jobs[i].ids.assign(full_ids[i].begin(), full_ids[i].end());
    target_begin[i] = prompt_ids[i].size();
  }
  const auto model = load_model(flags);
  check_context(jobs, model->config().max_position_embeddings, "prompt + target");

  std::vector<icma::model::TargetScore> scores(jobs.size());
  std::vector<std::size_t> order(jobs.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return jobs[a].ids.size() > jobs[b].ids.size(); });
  {
    icma::Progress progress("scoring", jobs.size());
    for (std::size_t begin = 0; begin < order.size(); begin += flags.batch_size) {
      const std::size_t end = std::min(order.size(), begin + flags.batch_size);
      std::vector<std::vector<int64_t>> sequences;
      std::vector<std::size_t> starts;
      for (std::size_t i = begin; i < end; ++i) {
        sequences.push_back(jobs[order[i]].ids);
        starts.push_back(target_begin[order[i]]);
      }
      const auto batch = icma::model::score_targets(*model, sequences, starts);
      for (std::size_t i = begin; i < end; ++i) scores[order[i]] = batch[i - begin];
      progress.advance(end - begin);
    }
  }
  icma::AtomicFile out(flags.out);
  out.stream() << "id\tlogprob\tn_tokens\n";
  char number[64];
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    // 17 significant digits: the float64 sum reads back exactly.
    std::snprintf(number, sizeof number, "%.17g", scores[i].logprob);
    out.stream() << jobs[i].id << '\t' << number << '\t' << scores[i].n_tokens << '\n';
  }
  out.commit();
  spdlog::info("wrote {} scores to {}", jobs.size(), flags.out);
  return 0;
}

void add_model_options(CLI::App& app, Flags& flags) {
  app.add_option("--model", flags.model, "Hugging Face model directory (config.json + weights)");
  app.add_option("--adapter", flags.adapter, "PEFT LoRA adapter directory, merged into the model at load");
  app.add_option("--tokenizer", flags.tokenizer, "tokenizer (directory or file); default: the model directory");
  app.add_option("--out", flags.out, "output file");
  app.add_option("--batch-size", flags.batch_size, "prompts per forward pass")->capture_default_str();
  app.add_option("--dtype", flags.dtype, "compute dtype: fp32, fp16 or bf16 (fp32 on CPU)")->capture_default_str();
  app.add_option("--device", flags.device, "cpu, cuda or cuda:N")->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Answer prompts with a causal LLM (Hugging Face model directory, optional PEFT LoRA adapter) and write\n"
      "MolT5-format predictions (SMILES|description<TAB>ground truth<TAB>output) for icma-eval.\n"
      "Inputs: --prompts (JSONL from icma-prompt), or one SMILES (--smiles) or caption (--captions) per line,\n"
      "with zero-shot prompts, or ICMA in-context prompts when --index gives a corpus to retrieve examples from.",
      "icma-generate"};
  app.footer(
      "Examples:\n"
      "  icma-generate --model models/galactica-125m --adapter runs/m2c --prompts test.m2c.jsonl --out pred.tsv\n"
      "  icma-generate --model DIR --captions caps.txt --index idx --n-shot 4 --out mols.tsv --num-beams 4\n"
      "  icma-generate --model DIR --prompts test.jsonl --out pred.tsv --do-sample --temperature 0.7 --top-p 0.85 \\\n"
      "      --top-k 40 --seed 1        (the ICMA code's sampling settings)\n"
      "  icma-generate score --model DIR --prompts candidates.jsonl --out scores.tsv\n"
      "Prompts: JSONL rows {\"id\",\"task\",\"prompt\",\"target\"[,\"input\"]}; one task per file. The predictions'\n"
      "first column is \"input\" if given, else read from the prompt's last line with the template; the ground\n"
      "truth is the target without its cue and EOS; the output is the generated text after the cue\n"
      "(\"Caption:\"/\"Molecule:\"), its first non-empty line, trimmed (tabs become spaces).\n"
      "Templates: --template FILE (default $ICMA_CONFIG_DIR/prompts/icma.json, else the source tree's\n"
      "configs/prompts/icma.json); n-shot defaults: 2 for --smiles (mol2cap), 4 for --captions (cap2mol);\n"
      "retrieval: bm25 for captions, morgan fingerprints for SMILES (--method), most similar example last.\n"
      "Decoding follows Hugging Face generate: greedy by default; --do-sample with temperature, top-k (HF's\n"
      "default 50; 0 = off) and top-p; --repetition-penalty; --num-beams with --length-penalty and\n"
      "--early-stopping. Rows end at EOS, a --stop string, or --max-new-tokens. Each row samples from its own\n"
      "seed stream (--seed, row number), so batch size and --resume do not change the samples.\n"
      "Context: a prompt longer than the model's max_position_embeddings is an error (exit 2, with file:line);\n"
      "a row whose prompt + answer fills the context stops there, with a warning.\n"
      "Resuming: finished rows are appended to OUT.partial (flushed after each batch); OUT is written\n"
      "atomically at the end and OUT.partial removed. After an interruption, --resume skips the rows in\n"
      "OUT.partial (an incomplete last line is dropped); without --resume a run starts over.\n"
      "score: per JSONL row id<TAB>logprob<TAB>n_tokens: the float64 sum of the float32 log-softmax of the\n"
      "target's tokens, tokenised as the ICMA training code (ids = encode(prompt + target) with special\n"
      "tokens; the target's tokens follow the first len(encode(prompt))), printed with 17 significant digits.\n"
      "Exit codes: 0 done, 1 failure, 2 bad input or flags.");
  icma::CommonOptions common;
  icma::add_common_options(app, common);
  Flags flags;
  add_model_options(app, flags);
  app.add_option("--prompts", flags.prompts, "JSONL prompts (icma-prompt's output)");
  app.add_option("--smiles", flags.smiles, "plain file, one SMILES per line: write captions (mol2cap)");
  app.add_option("--captions", flags.captions, "plain file, one caption per line: write molecules (cap2mol)");
  app.add_option("--index", flags.index, "with --smiles/--captions: index directory (icma-index) to draw examples from");
  app.add_option("--n-shot", flags.n_shot, "with --index: examples per prompt (default 2 mol2cap, 4 cap2mol)");
  app.add_option("--method", flags.method, "with --index: bm25, morgan, rdk, maccs or random");
  app.add_flag("--allow-stale", flags.allow_stale, "with --index: use it even if its corpus changed");
  app.add_option("--template", flags.template_file, "prompt template file (JSON)");
  app.add_flag("--wrap-smiles", flags.wrap_smiles, "write SMILES as [START_I_SMILES]...[END_I_SMILES] (Galactica)");
  app.add_option("--save-prompts", flags.save_prompts, "also write the prompts as JSONL (to see what the model is asked)");
  app.add_flag("--resume", flags.resume, "continue an interrupted run from OUT.partial");
  app.add_option("--max-new-tokens", flags.max_new_tokens, "tokens generated per prompt at most")->capture_default_str();
  app.add_flag("--do-sample", flags.do_sample, "sample instead of greedy search");
  app.add_option("--temperature", flags.temperature, "sampling temperature")->capture_default_str();
  app.add_option("--top-k", flags.top_k, "sampling: keep the k most likely tokens (0 = off)")->capture_default_str();
  app.add_option("--top-p", flags.top_p, "sampling: nucleus probability (1 = off)")->capture_default_str();
  app.add_option("--repetition-penalty", flags.repetition_penalty, "HF's repetition penalty (1 = off)")
      ->capture_default_str();
  app.add_option("--num-beams", flags.num_beams, "beam search with this many beams (1 = off)")->capture_default_str();
  app.add_option("--length-penalty", flags.length_penalty, "beam search: score = logprob / length^this")
      ->capture_default_str();
  app.add_option("--early-stopping", flags.early_stopping, "beam search: heuristic (HF False), first (True) or never")
      ->capture_default_str();
  app.add_option("--stop", flags.stop, "stop a row when its text contains this string (repeatable); cut there");
  app.add_flag("--no-cache", flags.no_cache, "recompute the whole sequence each step (slow; for checking)");

  Flags score_flags;
  CLI::App* score = app.add_subcommand("score", "log-probability of each row's target given its prompt");
  add_model_options(*score, score_flags);
  score->add_option("--prompts", score_flags.prompts, "JSONL rows with \"id\", \"prompt\" and \"target\"");

  return icma::run_app(app, common, argc, argv, [&] {
    if (score->parsed()) return run_score(score_flags, common);
    return run_generate(flags, common);
  });
}
