#include "icma/incontext/incontext.hpp"

#include <filesystem>
#include <optional>

#include <spdlog/spdlog.h>

#include "icma/core/error.hpp"
#include "icma/core/sha256.hpp"
#include "icma/gnn/index_embedder.hpp"
#include "icma/weights/device.hpp"
#include "icma/sentence/caption_embedder.hpp"

namespace icma::incontext {
namespace {

// The queries' GIN embeddings, made with the weights the index was built
// with: the manifest's file, or `override_path`; either must still hash as
// when the index was built.
data::EmbeddingRows embed_query_smiles(const retrieval::CorpusIndex& index, const std::string& index_dir,
                                       const data::Dataset& queries, const std::string& override_path,
                                       unsigned threads) {
  index.gnn();  // a clear error if the index has none
  const nlohmann::json& section = index.manifest().at("gnn");
  const std::string path = override_path.empty() ? section.at("weights").at("path").get<std::string>() : override_path;
  const std::string expected = section.at("weights").at("sha256");
  if (!std::filesystem::exists(path)) {
    throw InputError(path, 0, "the GNN weights of index " + index_dir + " are missing; pass --gnn WEIGHTS");
  }
  if (sha256_file_hex(path) != expected) {
    throw InputError(path, 0, "these are not the GNN weights index " + index_dir +
                                  " was built with (SHA-256 differs); rebuild the index or pass the right --gnn");
  }
  const gnn::IndexEmbedder embedder(path, section.at("weights").at("prefix").get<std::string>(), threads);
  std::vector<std::string> smiles;
  smiles.reserve(queries.records.size());
  for (const auto& record : queries.records) smiles.push_back(record.smiles);
  return embedder.embed(smiles, "gnn query embeddings");
}

// The queries' caption embeddings, made with the sentence-transformers
// directory the index was built with: the manifest's, or `override_dir`;
// its weights, config and tokenizer files must still hash as recorded.
data::EmbeddingRows embed_query_captions(const retrieval::CorpusIndex& index, const std::string& index_dir,
                                         const data::Dataset& queries, const std::string& override_dir,
                                         unsigned threads, const std::string& device) {
  index.sentence();  // a clear error if the index has none
  const nlohmann::json& recorded = index.manifest().at("sentence").at("model");
  const std::string dir = override_dir.empty() ? recorded.at("path").get<std::string>() : override_dir;
  if (!std::filesystem::is_directory(dir)) {
    throw InputError(dir, 0, "the sentence model of index " + index_dir + " is missing; pass --sentence MODEL_DIR");
  }
  const nlohmann::json found = sentence::fingerprint_model_files(sentence::SentenceModelLayout::read(dir));
  if (found.at("sha256") != recorded.at("sha256")) {
    std::string changed;
    for (const auto& [name, hash] : recorded.at("files").items()) {
      if (!found.at("files").contains(name) || found.at("files").at(name) != hash) changed += (changed.empty() ? "" : ", ") + name;
    }
    for (const auto& [name, hash] : found.at("files").items()) {
      if (!recorded.at("files").contains(name)) changed += (changed.empty() ? "" : ", ") + name;
    }
    throw InputError(dir, 0, "this is not the sentence model index " + index_dir + " was built with (" +
                                 (changed.empty() ? std::string("files differ") : changed + " differ") +
                                 "); rebuild the index or pass the right --sentence");
  }
  const sentence::CaptionEmbedder embedder(dir, threads, 32, weights::parse_device(device));
  std::vector<std::string> captions;
  captions.reserve(queries.records.size());
  for (const auto& record : queries.records) captions.push_back(record.description);
  return embedder.embed(captions, "sentence query embeddings");
}

}  // namespace

retrieval::RetrievalResult retrieve(const retrieval::CorpusIndex& index, const std::string& index_dir,
                                    const data::Dataset& queries, retrieval::RetrieveOptions options,
                                    const std::string& gnn_weights, const std::string& sentence_model,
                                    const std::string& sentence_device) {
  std::optional<data::EmbeddingRows> query_embeddings;
  if (options.method == retrieval::RetrievalMethod::gnn) {
    query_embeddings = embed_query_smiles(index, index_dir, queries, gnn_weights, options.threads);
    options.query_embeddings = &*query_embeddings;
  } else if (options.method == retrieval::RetrievalMethod::sentence) {
    query_embeddings = embed_query_captions(index, index_dir, queries, sentence_model, options.threads, sentence_device);
    options.query_embeddings = &*query_embeddings;
  }
  return retrieval::retrieve(index, queries, options);
}

prompt::AssembledPrompts prompts_with_examples(const data::Dataset& queries, const ExampleSource& source,
                                               const prompt::PromptTemplates& templates,
                                               prompt::AssembleOptions options, std::uint64_t seed) {
  using retrieval::RetrievalMethod;
  const data::Task task = options.plan.task;
  retrieval::RetrieveOptions retrieve_options;
  retrieve_options.task = task;
  retrieve_options.method = !source.method.empty() ? retrieval::parse_retrieval_method(source.method)
                                                   : (task == data::Task::cap2mol ? RetrievalMethod::bm25
                                                                                  : RetrievalMethod::morgan);
  retrieval::check_method_fits_task(retrieve_options.method, task);
  if (options.plan.n_shot == 0) throw InputError("in-context prompts need at least one example (--n-shot)");
  retrieve_options.k = options.plan.skip + options.plan.n_shot;
  retrieve_options.seed = seed;
  retrieve_options.threads = options.threads;

  const retrieval::CorpusIndex index = retrieval::CorpusIndex::open(source.index_dir, source.allow_stale);
  const std::string corpus_path = index.manifest().at("corpus").at("path").get<std::string>();
  const retrieval::RetrievalResult result =
      retrieve(index, source.index_dir, queries, retrieve_options, source.gnn_weights, source.sentence_model,
               source.sentence_device);
  if (result.unparsable_queries > 0) {
    spdlog::warn("{} SMILES quer{} did not parse: zero-shot prompts for them", result.unparsable_queries,
                 result.unparsable_queries == 1 ? "y" : "ies");
  }
  // The corpus as indexed: rows the index skipped as malformed are skipped here too.
  const prompt::CorpusLookup corpus(data::read_dataset(corpus_path, data::BadRowPolicy::skip));
  options.plan.missing = prompt::MissingNeighbours::zero_shot;
  return prompt::assemble_prompts(templates, queries, &corpus, &result.queries,
                                  source.index_dir + " (retrieved)", options);
}

}  // namespace icma::incontext
