#pragma once
// BM25 caption retrieval, scored exactly as rank_bm25.BM25Okapi (the library
// the official ICMA code uses) scores it, with the documents' terms kept in a
// Lucene++ index on disk.
//
//   idf(t)    = ln(N - n(t) + 0.5) - ln(n(t) + 0.5), where n(t) = documents
//               containing t; an idf below zero becomes epsilon * mean idf
//   score(q,d)= sum over the query tokens, repeats included, of
//               idf(t) * tf(t,d) * (k1 + 1) / (tf(t,d) + k1 * (1 - b + b * |d| / avgdl))
//
// Scores agree with rank_bm25's to the last bit or nearly (same operations in
// the same order); tokens absent from the corpus score 0.
//
// Not here: the index directory as a whole, manifests and stale-corpus checks
// (icma-index), neighbour files and re-ranking (other retrieval headers).
//
// Usage:
//   Bm25Index::build("idx/bm25", captions, Bm25Analyzer::icma);
//   const Bm25Index index = Bm25Index::open("idx/bm25");
//   for (const Neighbour& n : index.top_k(query_caption, 10)) ...

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "icma/retrieval/neighbour.hpp"

namespace icma::retrieval {

// How text becomes BM25 tokens.
enum class Bm25Analyzer {
  // The ICMA code's own: '-' ',' '(' ')' become spaces, '.' is deleted, runs
  // of spaces collapse to one, then Python's str.split(" "): an empty string
  // at either end is a token too (so "" is one empty token), case is kept.
  icma,
  // Lucene's StandardAnalyzer (Lucene++, version 3.0 rules), lower-cased,
  // with an EMPTY stop-word set: unlike Lucene's default, no word is dropped.
  // Tokens up to Lucene's term limit (16383 characters) are kept.
  standard,
};

// "icma" or "standard"; anything else throws InputError.
Bm25Analyzer parse_bm25_analyzer(const std::string& name);
std::string bm25_analyzer_name(Bm25Analyzer analyzer);

// The tokens that `analyzer` makes of `text` (UTF-8), in order, repeats kept.
// For `standard`, invalid UTF-8 is read as U+FFFD.
std::vector<std::string> bm25_tokenize(Bm25Analyzer analyzer, std::string_view text);

// rank_bm25.BM25Okapi's parameters and defaults.
struct Bm25Params {
  double k1 = 1.5;        ///< term-frequency saturation
  double b = 0.75;        ///< document-length normalisation
  double epsilon = 0.25;  ///< negative idfs become epsilon * mean idf
};

class Bm25Index {
 public:
  // Writes an index of `documents` (row i = documents[i]) into `dir`: a
  // Lucene++ index of the terms (one Lucene document per row, doc id = row)
  // under dir/lucene, and dir/bm25.json with the analyzer, the parameters and
  // the exact document lengths. `dir` must not exist; its parent is created
  // if needed. The index is written under a temporary name and renamed into
  // place, so an interrupted build leaves no half-written `dir`.
  // Throws InputError when `dir` exists, a document is not valid UTF-8, or a
  // token is longer than Lucene can index (16383 characters).
  static void build(const std::string& dir, const std::vector<std::string>& documents,
                    Bm25Analyzer analyzer, Bm25Params params = {});

  // Reads an index written by build(): the postings go into memory, where all
  // scoring happens. Throws InputError (naming `dir`) when it is missing, not
  // a BM25 index, or inconsistent.
  static Bm25Index open(const std::string& dir);

  // Number of indexed documents (rows).
  std::size_t size() const { return document_count_; }
  Bm25Analyzer analyzer() const { return analyzer_; }
  const Bm25Params& params() const { return params_; }

  // rank_bm25's get_scores: one score per row, [size()].
  std::vector<double> scores(std::string_view query) const;

  // The min(k, rows left) best rows, highest score first; equal scores keep
  // corpus order. Rows scoring 0 fill the list when fewer rows match, as in
  // rank_bm25's get_top_n. `exclude_row` (the query itself, when the queries
  // are the corpus) is never returned; out of range throws std::out_of_range.
  std::vector<Neighbour> top_k(std::string_view query, std::size_t k,
                               std::optional<std::uint32_t> exclude_row = std::nullopt) const;

  // All const methods are safe to call from many threads at once.

 private:
  Bm25Index() = default;

  Bm25Analyzer analyzer_ = Bm25Analyzer::icma;
  Bm25Params params_;
  std::size_t document_count_ = 0;
  // Vocabulary: term -> id; ids follow the corpus's first-appearance order.
  std::unordered_map<std::string, std::uint32_t> term_ids_;
  // Weights by term id: weight(t, d) = idf(t) * tf*(k1+1) / (tf + k1*(1 - b + b*|d|/avgdl)),
  // the whole contribution of one occurrence of t in a query to row d.
  // Rare terms are sparse: t owns entries [posting_begin_[t], posting_begin_[t + 1])
  // of posting_rows_ (ascending) and posting_weights_. Terms in at least half
  // the rows ("the", "is", "molecule") are dense instead, a row of [size()]
  // weights (0 where absent) at dense_weights_[dense_slot_[t] * size()]:
  // most query work is on them, and a dense add is a vectorisable stream.
  static constexpr std::uint32_t kSparse = 0xFFFFFFFFu;
  std::vector<std::size_t> posting_begin_;
  std::vector<std::uint32_t> posting_rows_;
  std::vector<double> posting_weights_;
  std::vector<std::uint32_t> dense_slot_;
  std::vector<double> dense_weights_;
};

}  // namespace icma::retrieval
