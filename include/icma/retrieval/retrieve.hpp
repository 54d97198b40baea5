#pragma once
// Retrieval of in-context examples for a file of queries: for each query,
// the k most similar corpus records (captions by BM25 or sentence-embedding
// cosine for Cap2Mol queries, molecules by fingerprint Tanimoto or
// GNN-embedding cosine for Mol2Cap queries, or random ones),
// then optionally re-ranked (select N by top / random walk / buckets, and
// reversed so that the most similar example sits next to the query).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "icma/data/dataset.hpp"
#include "icma/data/predictions.hpp"
#include "icma/retrieval/corpus_index.hpp"
#include "icma/data/neighbour_file.hpp"

namespace icma::retrieval {

enum class RetrievalMethod { bm25, morgan, rdk, maccs, gnn, sentence, random };

// "bm25", "morgan", "rdk", "maccs", "gnn", "sentence", "random"; InputError otherwise.
RetrievalMethod parse_retrieval_method(const std::string& name);
const char* retrieval_method_name(RetrievalMethod method);

struct RetrieveOptions {
  data::Task task = data::Task::cap2mol;
  RetrievalMethod method = RetrievalMethod::bm25;
  std::size_t k = 10;
  bool exclude_self = false;  // drop the corpus record with the query's id
  // Re-ranking of the k retrieved: keep `select` of them (all when unset) ...
  std::optional<std::size_t> select;
  double walk_skip_probability = 0.0;        // ... by a random walk (0 = the top ones),
  std::optional<std::size_t> bucket_start;   // ... or evenly spaced from this rank;
  bool reverse = false;                      // then put the most similar last.
  std::uint64_t seed = 42;
  unsigned threads = 1;
  // Methods gnn and sentence: the queries' embeddings (of their SMILES, or
  // of their captions), one row per query, made with the weights the index
  // was built with (the caller embeds them: that needs the gnn or sentence
  // module). Rows without a vector get no neighbours.
  const EmbeddingRows* query_embeddings = nullptr;
};

struct RetrievalResult {
  std::vector<data::QueryNeighbours> queries;
  // Queries without neighbours: Mol2Cap SMILES that do not parse or (gnn)
  // have no atoms, captions whose sentence embedding is zero.
  std::size_t unparsable_queries = 0;
};

// Checks that the method fits the task (captions are searched with bm25 or
// sentence, molecules with fingerprints or gnn; random fits both); throws
// InputError if not.
void check_method_fits_task(RetrievalMethod method, data::Task task);

RetrievalResult retrieve(const CorpusIndex& index, const data::Dataset& queries, const RetrieveOptions& options);

}  // namespace icma::retrieval
