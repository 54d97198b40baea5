#pragma once
// An index directory over one corpus (a dataset TSV), as icma-index writes it:
//
//   DIR/manifest.json   what was indexed: corpus path, SHA-256 and row count,
//                       parameters, unparsable SMILES, tool version, and the
//                       size and SHA-256 of every other file ("files"), which
//                       open() checks before reading any (a damaged Lucene++
//                       file made retrieval allocate without bound)
//   DIR/ids.txt         the corpus ids (CID column), one per line, row order
//   DIR/bm25/           the caption index (Lucene++ postings + exact lengths)
//   DIR/<kind>.fp       fingerprints (morgan, rdk, maccs), bit-packed
//   DIR/gnn.emb         GNN embeddings (icma-index build --gnn), unit float32
//                       vectors; the manifest's "gnn" section names the
//                       weights file and its SHA-256, and the rows without one
//   DIR/sentence.emb    caption embeddings (icma-index build --sentence), unit
//                       float32 vectors; the manifest's "sentence" section names
//                       the model directory and the SHA-256 of its weights,
//                       config and tokenizer files
//
// The directory is built in a staging folder and swapped into place, so a
// crash mid-build leaves the previous index intact. Only an absent or empty
// directory, or an earlier index (its manifest and index files, nothing
// else), is replaced; a directory holding anything else is refused
// (core/output_ownership.hpp), as is one that holds the corpus.

#include <functional>
#include <memory>
#include <unordered_map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "icma/data/tsv.hpp"
#include "icma/retrieval/bm25.hpp"
#include "icma/retrieval/embedding_index.hpp"
#include "icma/retrieval/fingerprint_index.hpp"

namespace icma::retrieval {

// Embeddings of the corpus records, computed by the caller (the gnn and
// sentence modules need LibTorch; this module does not): of the SMILES for
// the GIN, of the captions for a sentence encoder. `info` (the weights and
// their SHA-256, the architecture) becomes the manifest's "gnn" or
// "sentence" section.
struct CorpusEmbeddings {
  EmbeddingRows rows;
  nlohmann::json info = nlohmann::json::object();
};
using CorpusEmbedder = std::function<CorpusEmbeddings(const std::vector<std::string>& texts)>;

struct IndexBuildOptions {
  std::string corpus_path;
  std::string out_dir;
  Bm25Analyzer analyzer = Bm25Analyzer::icma;
  std::vector<FingerprintKind> fingerprints = {FingerprintKind::morgan, FingerprintKind::rdk, FingerprintKind::maccs};
  data::BadRowPolicy bad_rows = data::BadRowPolicy::fail;
  unsigned threads = 1;
  CorpusEmbedder gnn;       // of the SMILES; empty: no GNN embeddings
  CorpusEmbedder sentence;  // of the captions; empty: no sentence embeddings
};

// Builds the index directory; returns its manifest.
nlohmann::json build_corpus_index(const IndexBuildOptions& options);

class CorpusIndex {
 public:
  // Opens DIR. The corpus must still exist and hash as when it was indexed,
  // unless allow_stale (then a warning is logged). Problems throw InputError.
  static CorpusIndex open(const std::string& dir, bool allow_stale = false);

  const std::string& dir() const { return dir_; }
  const nlohmann::json& manifest() const { return manifest_; }
  const std::vector<std::string>& ids() const { return ids_; }
  std::size_t size() const { return ids_.size(); }
  // Row of the corpus record with this id, if any.
  std::optional<std::uint32_t> row_of(const std::string& id) const;
  // Rows whose SMILES does not parse (ascending): caption search only.
  const std::vector<std::uint32_t>& unparsable_rows() const { return unparsable_rows_; }

  // Throw InputError naming the missing part when it was not built.
  const Bm25Index& bm25() const;
  const FingerprintIndex& fingerprints(FingerprintKind kind) const;
  bool has_gnn() const { return gnn_ != nullptr; }
  const EmbeddingIndex& gnn() const;
  bool has_sentence() const { return sentence_ != nullptr; }
  const EmbeddingIndex& sentence() const;

  // Reads manifest.json of DIR (for `icma-index info`).
  static nlohmann::json read_manifest(const std::string& dir);

 private:
  std::string dir_;
  nlohmann::json manifest_;
  std::vector<std::string> ids_;
  std::unordered_map<std::string, std::uint32_t> rows_by_id_;
  std::vector<std::uint32_t> unparsable_rows_;
  std::shared_ptr<const Bm25Index> bm25_;
  std::vector<std::pair<FingerprintKind, std::shared_ptr<const FingerprintIndex>>> fingerprints_;
  std::shared_ptr<const EmbeddingIndex> gnn_;
  std::shared_ptr<const EmbeddingIndex> sentence_;
};

}  // namespace icma::retrieval
