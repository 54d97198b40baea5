#pragma once
// Private to src/retrieval: everything BM25 asks of Lucene++, behind plain
// std types so that no Lucene++ header leaks into the public ones.
//
// Lucene++ (a port of Lucene 3.0) has no BM25, and its norms keep document
// lengths in one lossy byte, so it serves only as the on-disk store of the
// terms: one Lucene document per corpus row, in one field, holding exactly
// the tokens our analyzers made (fed in as a pre-tokenised stream, so the
// index and the queries can never disagree about tokens). Lucene++ accepts the
// empty term, which the `icma` analyzer makes, as it is: no encoding needed.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace icma::retrieval::lucene {

// Lucene++'s StandardAnalyzer (LUCENE_30 rules: StandardTokenizer,
// StandardFilter, LowerCaseFilter) with an empty stop-word set, and its
// maximum token length raised from 255 to the term limit below.
std::vector<std::string> standard_analyzer_tokens(std::string_view text);

// The longest term, in code points, Lucene++ indexes; longer ones it would
// skip silently, so the writer refuses them instead.
std::size_t max_term_length();

// Writes one Lucene document per add() into a new index directory; Lucene
// doc ids are the order of the add() calls.
class TermIndexWriter {
 public:
  explicit TermIndexWriter(const std::string& directory);
  ~TermIndexWriter();
  TermIndexWriter(const TermIndexWriter&) = delete;
  TermIndexWriter& operator=(const TermIndexWriter&) = delete;

  // `tokens` must be valid UTF-8. Throws InputError for a token longer than
  // max_term_length(), naming `row`.
  void add(std::size_t row, const std::vector<std::string>& tokens);
  // Merges into one segment and commits; nothing is visible before this.
  void finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The postings of a whole index, as read back: terms in Lucene's (sorted)
// order; term i owns entries [begin[i], begin[i + 1]) of rows and freqs,
// rows ascending.
struct StoredPostings {
  std::size_t document_count = 0;
  std::vector<std::string> terms;
  // Where each term first occurs: (first row << 32) | position in that row.
  // Sorting terms by it gives the corpus's first-appearance order.
  std::vector<std::uint64_t> first_occurrence;
  std::vector<std::size_t> begin;
  std::vector<std::uint32_t> rows;
  std::vector<std::uint32_t> freqs;
};

// Reads every posting of an index written by TermIndexWriter. Throws
// InputError (naming `directory`) when Lucene++ cannot read it.
StoredPostings read_postings(const std::string& directory);

}  // namespace icma::retrieval::lucene
