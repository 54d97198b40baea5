#include "icma/retrieval/retrieve.hpp"

#include <algorithm>
#include <numeric>

#include <spdlog/spdlog.h>

#include "icma/chem/molecule.hpp"
#include "icma/core/error.hpp"
#include "icma/core/parallel.hpp"
#include "icma/core/progress.hpp"
#include "icma/core/random.hpp"
#include "icma/retrieval/rerank.hpp"

namespace icma::retrieval {
namespace {

std::optional<FingerprintKind> fingerprint_kind_of(RetrievalMethod method) {
  switch (method) {
    case RetrievalMethod::morgan: return FingerprintKind::morgan;
    case RetrievalMethod::rdk: return FingerprintKind::rdk;
    case RetrievalMethod::maccs: return FingerprintKind::maccs;
    default: return std::nullopt;
  }
}

// k distinct rows of `candidates` drawn uniformly (a partial Fisher-Yates
// shuffle), without `excluded`; score 0.
std::vector<Neighbour> random_neighbours(std::vector<std::uint32_t> rows, std::size_t k,
                                         std::optional<std::uint32_t> excluded, Rng& rng) {
  if (excluded) rows.erase(std::remove(rows.begin(), rows.end(), *excluded), rows.end());
  k = std::min(k, rows.size());
  std::vector<Neighbour> out;
  for (std::size_t i = 0; i < k; ++i) {
    const std::size_t j = i + static_cast<std::size_t>(rng.below(rows.size() - i));
    std::swap(rows[i], rows[j]);
    out.push_back(Neighbour{rows[i], 0.0});
  }
  return out;
}

std::vector<Neighbour> rerank(const std::vector<Neighbour>& ranked, const RetrieveOptions& options, Rng& rng) {
  std::vector<Neighbour> chosen;
  if (!options.select) {
    chosen = ranked;
  } else if (options.bucket_start) {
    chosen = select_buckets(ranked, *options.select, *options.bucket_start);
  } else if (options.walk_skip_probability > 0.0) {
    chosen = select_random_walk(ranked, *options.select, options.walk_skip_probability, rng);
  } else {
    chosen = select_top(ranked, *options.select);
  }
  return options.reverse ? reverse_for_prompt(std::move(chosen)) : chosen;
}

// Queries per chunk of the parallel loop; for gnn and sentence, one pass
// over the corpus embeddings serves a whole chunk.
constexpr std::size_t kQueryChunk = 32;

void check_query_embeddings(RetrievalMethod method, const EmbeddingIndex& corpus, const EmbeddingRows* embeddings,
                            const data::Dataset& queries) {
  const std::string name = retrieval_method_name(method);
  if (embeddings == nullptr) throw InputError("--method " + name + " needs the queries' embeddings");
  if (embeddings->size() != queries.records.size() || embeddings->values.size() != embeddings->size() * embeddings->dim) {
    throw InputError("the query embeddings do not match the " + std::to_string(queries.records.size()) + " queries");
  }
  if (embeddings->dim != corpus.dim()) {
    throw InputError("the queries were embedded in " + std::to_string(embeddings->dim) + " dimensions, the index in " +
                     std::to_string(corpus.dim()) + "; embed them with the model the index was built with");
  }
}

// Ranked neighbours of queries [begin, end) by embedding cosine (empty for
// those without a vector).
std::vector<std::vector<Neighbour>> embedding_top_k(const EmbeddingIndex& corpus, const CorpusIndex& index,
                                                    const data::Dataset& queries, const RetrieveOptions& options,
                                                    std::size_t begin, std::size_t end) {
  const EmbeddingRows& embeddings = *options.query_embeddings;
  std::vector<float> block;
  std::vector<std::optional<std::uint32_t>> exclude;
  std::vector<std::size_t> slots;  // query -> position in the block
  for (std::size_t q = begin; q < end; ++q) {
    if (!embeddings.present(q)) continue;
    slots.push_back(q);
    block.insert(block.end(), embeddings.row(q), embeddings.row(q) + embeddings.dim);
    exclude.push_back(options.exclude_self ? index.row_of(queries.records[q].cid) : std::optional<std::uint32_t>{});
  }
  std::vector<std::vector<Neighbour>> ranked(end - begin);
  std::vector<std::vector<Neighbour>> found = corpus.top_k(block.data(), slots.size(), options.k, exclude);
  for (std::size_t i = 0; i < slots.size(); ++i) ranked[slots[i] - begin] = std::move(found[i]);
  return ranked;
}

}  // namespace

RetrievalMethod parse_retrieval_method(const std::string& name) {
  for (RetrievalMethod method : {RetrievalMethod::bm25, RetrievalMethod::morgan, RetrievalMethod::rdk,
                                 RetrievalMethod::maccs, RetrievalMethod::gnn, RetrievalMethod::sentence,
                                 RetrievalMethod::random}) {
    if (name == retrieval_method_name(method)) return method;
  }
  throw InputError("unknown retrieval method '" + name + "' (use bm25, morgan, rdk, maccs, gnn, sentence or random)");
}

const char* retrieval_method_name(RetrievalMethod method) {
  switch (method) {
    case RetrievalMethod::bm25: return "bm25";
    case RetrievalMethod::morgan: return "morgan";
    case RetrievalMethod::rdk: return "rdk";
    case RetrievalMethod::maccs: return "maccs";
    case RetrievalMethod::gnn: return "gnn";
    case RetrievalMethod::sentence: return "sentence";
    case RetrievalMethod::random: return "random";
  }
  return "?";
}

void check_method_fits_task(RetrievalMethod method, data::Task task) {
  if ((method == RetrievalMethod::bm25 || method == RetrievalMethod::sentence) && task == data::Task::mol2cap) {
    throw InputError(std::string("--method ") + retrieval_method_name(method) +
                     " searches captions, but mol2cap queries are molecules (use morgan, rdk, maccs, gnn or random)");
  }
  if ((fingerprint_kind_of(method) || method == RetrievalMethod::gnn) && task == data::Task::cap2mol) {
    throw InputError(std::string("--method ") + retrieval_method_name(method) +
                     " searches molecules, but cap2mol queries are captions (use bm25, sentence or random)");
  }
}

RetrievalResult retrieve(const CorpusIndex& index, const data::Dataset& queries, const RetrieveOptions& options) {
  check_method_fits_task(options.method, options.task);
  const std::optional<FingerprintKind> kind = fingerprint_kind_of(options.method);
  const FingerprintIndex* fingerprints = kind ? &index.fingerprints(*kind) : nullptr;
  const Bm25Index* bm25 = options.method == RetrievalMethod::bm25 ? &index.bm25() : nullptr;
  // gnn and sentence: cosine of embeddings, the queries' made by the caller.
  const EmbeddingIndex* embeddings = options.method == RetrievalMethod::gnn        ? &index.gnn()
                                     : options.method == RetrievalMethod::sentence ? &index.sentence()
                                                                                   : nullptr;
  if (embeddings != nullptr) check_query_embeddings(options.method, *embeddings, options.query_embeddings, queries);

  // Random examples for molecule queries are molecules that parse, as for
  // every other molecule search.
  std::vector<std::uint32_t> random_candidates;
  if (options.method == RetrievalMethod::random) {
    const std::vector<std::uint32_t>& unparsable = index.unparsable_rows();
    for (std::uint32_t row = 0; row < index.size(); ++row) {
      if (options.task == data::Task::cap2mol || !std::binary_search(unparsable.begin(), unparsable.end(), row)) {
        random_candidates.push_back(row);
      }
    }
  }

  RetrievalResult result;
  result.queries.resize(queries.records.size());
  std::vector<char> unparsable(queries.records.size(), 0);
  Progress progress("retrieve", queries.records.size());
  parallel_for(queries.records.size(), options.threads, kQueryChunk, [&](std::size_t begin, std::size_t end) {
    // Embeddings: the whole chunk of queries against the corpus in one pass.
    std::vector<std::vector<Neighbour>> embedding_ranked;
    if (embeddings != nullptr) embedding_ranked = embedding_top_k(*embeddings, index, queries, options, begin, end);
    for (std::size_t q = begin; q < end; ++q) {
      const data::MoleculeRecord& query = queries.records[q];
      const std::optional<std::uint32_t> excluded =
          options.exclude_self ? index.row_of(query.cid) : std::optional<std::uint32_t>{};
      // One random stream per query: the same choices whatever the threads do.
      Rng rng = Rng::for_stream(options.seed, q);
      std::vector<Neighbour> ranked;
      if (bm25 != nullptr) {
        ranked = bm25->top_k(query.description, options.k, excluded);
      } else if (embeddings != nullptr) {
        if (options.query_embeddings->present(q)) {
          ranked = std::move(embedding_ranked[q - begin]);
        } else {
          unparsable[q] = 1;
        }
      } else if (fingerprints != nullptr) {
        const std::optional<chem::Molecule> molecule = chem::Molecule::from_smiles(query.smiles);
        if (molecule) {
          ranked = fingerprints->top_k(compute_fingerprint(*kind, *molecule), options.k, excluded);
        } else {
          unparsable[q] = 1;
        }
      } else {
        ranked = random_neighbours(random_candidates, options.k, excluded, rng);
      }
      data::QueryNeighbours& out = result.queries[q];
      out.query_id = query.cid;
      for (const Neighbour& neighbour : rerank(ranked, options, rng)) {
        out.neighbours.push_back(data::NeighbourEntry{index.ids()[neighbour.row], neighbour.score});
      }
    }
    progress.advance(end - begin);
  });
  progress.finish();
  for (std::size_t q = 0; q < unparsable.size(); ++q) {
    if (unparsable[q] == 0) continue;
    ++result.unparsable_queries;
    const std::string why = embeddings != nullptr ? options.query_embeddings->missing[q] : "SMILES does not parse";
    spdlog::warn("{}:{}: query {}; no neighbours written for {}", queries.path, queries.records[q].line, why,
                 queries.records[q].cid);
  }
  return result;
}

}  // namespace icma::retrieval
