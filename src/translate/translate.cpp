// The generation loop: pending rows in batches, longest first, appended to
// the partial file as they finish; then the predictions file.

#include "icma/translate/translate.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "icma/core/error.hpp"
#include "icma/core/progress.hpp"
#include "icma/core/resume_check.hpp"
#include "icma/core/sha256.hpp"
#include "icma/core/random.hpp"
#include "icma/data/generated_text.hpp"
#include "icma/data/partial_predictions.hpp"
#include "icma/model/config.hpp"
#include "icma/model/training_data.hpp"
#include "icma/translate/smiles_constraint.hpp"

namespace icma::translate {
namespace fs = std::filesystem;
namespace {

std::vector<uint32_t> to_u32(const std::vector<int64_t>& ids) { return {ids.begin(), ids.end()}; }

// TranslateOptions::truncate_over / keep_tokens / keep_end: a prompt over the
// limit keeps its end (the question; the examples before it lose their
// start) or its start.
void cut_long_prompts(std::vector<std::vector<int64_t>>& prompt_ids, const TranslateOptions& options) {
  if (options.truncate_over == 0) return;
  const std::size_t keep = options.keep_tokens > 0 ? options.keep_tokens : options.truncate_over;
  std::size_t cut = 0;
  for (std::vector<int64_t>& ids : prompt_ids) {
    if (ids.size() <= options.truncate_over || ids.size() <= keep) continue;
    const auto kept = static_cast<std::ptrdiff_t>(keep);
    if (options.keep_end) {
      ids.erase(ids.begin(), ids.end() - kept);
    } else {
      ids.resize(keep);
    }
    ++cut;
  }
  if (cut > 0) {
    spdlog::info("{} prompts longer than {} tokens keep their {} {}", cut, options.truncate_over,
                 options.keep_end ? "last" : "first", keep);
  }
}

// Prompts longer than the model's context are refused up front (exit 2),
// before any time is spent generating: cutting them would drop the
// instruction or the examples without the user knowing.
void check_context(const std::vector<std::vector<int64_t>>& ids, const std::vector<std::string>& files,
                   const std::vector<std::size_t>& lines, int64_t context, const std::string& what) {
  if (context <= 0) return;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (ids[i].empty()) throw InputError(files[i], lines[i], what + " has no tokens");
    if (static_cast<int64_t>(ids[i].size()) > context) {
      throw InputError(files[i], lines[i],
                       what + " has " + std::to_string(ids[i].size()) +
                           " tokens, more than the model's context of " + std::to_string(context) +
                           " (use fewer examples: --n-shot, or icma-prompt --cutoff-len)");
    }
  }
}

const char* early_stopping_name(model::EarlyStopping early_stopping) {
  switch (early_stopping) {
    case model::EarlyStopping::kFirst: return "first";
    case model::EarlyStopping::kNever: return "never";
    case model::EarlyStopping::kHeuristic: break;
  }
  return "heuristic";
}

// Everything that shapes the rows: the decoding options, the task, the
// queries themselves (a hash of each one's id, prompt, input and ground
// truth), and the caller's identity of the model, tokenizer and templates.
nlohmann::json run_settings(const std::vector<Query>& queries, data::Task task, const TranslateOptions& options) {
  const model::GenerationOptions& g = options.generation;
  std::string query_hashes;
  for (const Query& query : queries) {
    query_hashes += sha256_hex(query.id + '\0' + query.prompt + '\0' + query.input + '\0' + query.ground_truth);
  }
  nlohmann::json settings = options.identity;
  settings["task"] = data::task_name(task);
  settings["queries"] = {{"rows", queries.size()}, {"sha256", sha256_hex(query_hashes)}};
  settings["generation"] = {{"max_new_tokens", g.max_new_tokens},   {"do_sample", g.do_sample},
                            {"temperature", g.temperature},         {"top_k", g.top_k},
                            {"top_p", g.top_p},                     {"repetition_penalty", g.repetition_penalty},
                            {"num_beams", g.num_beams},             {"length_penalty", g.length_penalty},
                            {"early_stopping", early_stopping_name(g.early_stopping)},
                            {"stop", g.stop_strings},               {"seed", g.seed}};
  // Recorded only when on, so that partial files of earlier runs still resume.
  if (options.smiles_constraint) settings["constraint"] = "smiles";
  settings["prompt_shape"] = {{"strip", options.strip_prompts},
                              {"truncate_over", options.truncate_over},
                              {"keep_tokens", options.keep_tokens},
                              {"keep_end", options.keep_end}};
  // As the partial file will hold it (a stop string of invalid UTF-8 is
  // written with U+FFFD), so that it compares equal when read back.
  return nlohmann::json::parse(settings.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// The rows an earlier run finished, or nullopt when OUT is already complete.
std::optional<std::map<std::size_t, data::Prediction>> resumed_rows(const std::string& out, const std::string& partial,
                                                                    const std::vector<Query>& queries,
                                                                    const std::vector<std::string>& ids,
                                                                    data::Task task, const TranslateOptions& options,
                                                                    const nlohmann::json& settings) {
  if (options.resume && options.restart) throw InputError("--resume and --restart exclude each other");
  if (options.restart) {
    if (fs::exists(partial)) spdlog::info("{}: earlier rows discarded (--restart)", partial);
    return std::map<std::size_t, data::Prediction>{};
  }
  if (!options.resume) {
    if (fs::exists(partial)) {
      throw InputError(partial, 0,
                       "holds the rows of an interrupted run: --resume continues it, --restart discards it and "
                       "starts over");
    }
    return std::map<std::size_t, data::Prediction>{};
  }
  if (fs::exists(partial)) {
    data::PartialRows done = data::PartialPredictions::read(partial, ids);
    if (done.settings.is_null()) {
      spdlog::warn("{}: written before runs recorded their settings; they cannot be checked", partial);
    } else {
      require_same_settings(done.settings, settings, partial, "--restart discards its rows and starts over");
    }
    spdlog::info("resuming: {} of {} rows already in {}", done.rows.size(), ids.size(), partial);
    return std::move(done.rows);
  }
  if (fs::exists(out)) {
    const auto existing = data::read_predictions(out, task);
    if (existing.rows.size() != ids.size()) {
      throw InputError(out, 0,
                       "holds " + std::to_string(existing.rows.size()) + " rows but there are " +
                           std::to_string(ids.size()) + " inputs, and there is no " + partial +
                           " to resume; --restart generates them all again");
    }
    for (std::size_t row = 0; row < ids.size(); ++row) {
      const data::Prediction& done = existing.rows[row];
      if (done.input != queries[row].input || done.ground_truth != queries[row].ground_truth) {
        throw InputError(out, done.line,
                         "is the answer to other inputs than row " + std::to_string(row + 1) +
                             " of these (its input or ground truth differs); --restart generates them all again");
      }
    }
    return std::nullopt;
  }
  return std::map<std::size_t, data::Prediction>{};
}

}  // namespace

TranslateSummary translate(const std::vector<Query>& queries, data::Task task, const std::string& model_dir,
                           const model::LoadOptions& load, const tokenizer::Tokenizer& tokenizer,
                           const prompt::PromptTemplates& templates, const TranslateOptions& options,
                           const std::string& out) {
  if (options.batch_size == 0) throw InputError("--batch-size must be >= 1");
  if (options.smiles_constraint && task != data::Task::cap2mol) {
    throw InputError("--constrain smiles is for cap2mol, whose answers are SMILES (these prompts are " +
                     std::string(data::task_name(task)) + ")");
  }
  TranslateSummary summary;
  std::vector<std::string> ids;
  for (const Query& query : queries) ids.push_back(query.id);
  const std::string partial_path = out + ".partial";
  const nlohmann::json settings = run_settings(queries, task, options);
  auto resumed = resumed_rows(out, partial_path, queries, ids, task, options, settings);
  if (!resumed) {
    spdlog::info("{} is complete ({} rows); nothing to do", out, queries.size());
    summary.rows = queries.size();
    summary.already_complete = true;
    return summary;
  }
  std::map<std::size_t, data::Prediction> done = std::move(*resumed);
  summary.resumed = done.size();

  std::vector<std::size_t> pending;
  for (std::size_t row = 0; row < queries.size(); ++row) {
    if (done.count(row) == 0) pending.push_back(row);
  }
  if (!pending.empty()) {
    std::vector<std::string> prompts, files;
    std::vector<std::size_t> lines;
    for (const Query& query : queries) {
      prompts.push_back(options.strip_prompts ? model::strip_prompt(query.prompt) : query.prompt);
      files.push_back(query.file);
      lines.push_back(query.line);
    }
    const auto encoded = tokenizer.encode_batch(prompts, true, options.threads);
    std::vector<std::vector<int64_t>> prompt_ids(encoded.size());
    for (std::size_t i = 0; i < encoded.size(); ++i) prompt_ids[i].assign(encoded[i].begin(), encoded[i].end());
    cut_long_prompts(prompt_ids, options);

    const auto model = model::CausalLM::load(model_dir, load);
    const model::ModelConfig& config = model->config();
    check_context(prompt_ids, files, lines, config.max_position_embeddings, "prompt");

    model::GenerationOptions generation = options.generation;
    generation.eos_token_ids = config.eos_token_ids;
    const std::optional<uint32_t> eos = tokenizer.special_tokens().eos;
    if (eos && std::find(generation.eos_token_ids.begin(), generation.eos_token_ids.end(), *eos) ==
                   generation.eos_token_ids.end()) {
      generation.eos_token_ids.push_back(*eos);
    }
    std::optional<int64_t> tokenizer_pad;
    if (tokenizer.special_tokens().pad) tokenizer_pad = *tokenizer.special_tokens().pad;
    generation.pad_token_id = model::pad_token_id_for(config, tokenizer_pad, generation.eos_token_ids);
    generation.decode = [&tokenizer](const std::vector<int64_t>& tokens) { return tokenizer.decode(to_u32(tokens), true); };
    std::optional<SmilesConstraint> smiles;
    if (options.smiles_constraint) {
      smiles.emplace(tokenizer, static_cast<std::size_t>(config.vocab_size), generation.eos_token_ids,
                     templates.answer_cue(task));
      generation.token_filter = [&smiles, decode = generation.decode](std::size_t, const std::vector<int64_t>& generated) {
        return smiles->banned(decode(generated));
      };
    }

    data::PartialPredictions partial(partial_path, options.resume && !done.empty(), settings);
    // Longest prompts first: similar lengths share a batch (less padding), and
    // the largest memory need shows at once rather than hours in.
    std::stable_sort(pending.begin(), pending.end(),
                     [&](std::size_t a, std::size_t b) { return prompt_ids[a].size() > prompt_ids[b].size(); });
    Progress progress("generating", pending.size());
    for (std::size_t begin = 0; begin < pending.size(); begin += options.batch_size) {
      const std::size_t end = std::min(pending.size(), begin + options.batch_size);
      std::vector<std::vector<int64_t>> batch;
      model::GenerationOptions batch_options = generation;
      for (std::size_t i = begin; i < end; ++i) {
        batch.push_back(prompt_ids[pending[i]]);
        batch_options.row_seeds.push_back(Rng::for_stream(generation.seed, pending[i]).next());
      }
      const auto started = std::chrono::steady_clock::now();
      const auto results = model::generate(*model, batch, batch_options);
      summary.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::vector<std::pair<std::size_t, data::Prediction>> finished;
      for (std::size_t i = begin; i < end; ++i) {
        const Query& query = queries[pending[i]];
        const model::Generated& result = results[i - begin];
        ++summary.finished[result.finish];
        summary.new_tokens += result.tokens.size();
        std::string text = tokenizer.decode(to_u32(result.tokens), true);
        for (const std::string& stop : generation.stop_strings) {
          const std::size_t at = text.find(stop);
          if (at != std::string::npos) text.resize(at);
        }
        const std::string output = data::sanitise_generated_text(templates.answer_of_output(task, text));
        spdlog::debug("{} ({}): {}", query.id, model::finish_reason_name(result.finish), text);
        data::Prediction prediction{query.input, query.ground_truth, output, 0};
        finished.emplace_back(pending[i], prediction);
        done[pending[i]] = std::move(prediction);
      }
      partial.append(finished, ids);
      progress.advance(end - begin);
      if (options.stop_after_rows > 0 && end >= options.stop_after_rows && end < pending.size()) {
        spdlog::warn("stopping after {} rows as asked (--stop-after); {} holds them", end, partial_path);
        summary.rows = done.size();
        return summary;
      }
    }
    if (summary.finished[model::FinishReason::kContextFull] > 0) {
      spdlog::warn("{} row(s) stopped because prompt + answer filled the model's context of {} tokens",
                   summary.finished[model::FinishReason::kContextFull], config.max_position_embeddings);
    }
    spdlog::info("finished rows: {} by EOS, {} by a stop string, {} at --max-new-tokens",
                 summary.finished[model::FinishReason::kEos], summary.finished[model::FinishReason::kStopString],
                 summary.finished[model::FinishReason::kMaxNewTokens]);
    spdlog::info("generated {} tokens in {:.3f} s: {:.2f} tokens/s", summary.new_tokens, summary.seconds,
                 summary.seconds > 0 ? static_cast<double>(summary.new_tokens) / summary.seconds : 0.0);
  }

  std::vector<data::Prediction> rows;
  rows.reserve(queries.size());
  for (std::size_t row = 0; row < queries.size(); ++row) rows.push_back(done.at(row));
  data::write_predictions(out, task, rows);
  std::error_code ignored;
  fs::remove(partial_path, ignored);
  summary.rows = rows.size();
  spdlog::info("wrote {} predictions to {}", rows.size(), out);
  return summary;
}

}  // namespace icma::translate
