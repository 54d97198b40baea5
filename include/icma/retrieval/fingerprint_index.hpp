#pragma once
// Molecule retrieval by fingerprint Tanimoto: an exact, brute-force index
// over bit-packed fingerprints, fast because a comparison is a few popcounts.
//
// The kinds, as RDKit python computes them (see chem/retrieval_fingerprints.hpp):
//   morgan  AllChem.GetMorganFingerprintAsBitVect(m, 2, nBits=2048)
//   rdk     FingerprintMols.FingerprintMol(m): what the official ICMA code
//           calls (and names "morgan"); 64-2048 bits, length varies per molecule
//   maccs   MACCSkeys.GenMACCSKeys(m), 167 bits
// Similarities are DataStructs.FingerprintSimilarity's, to the last bit:
// Tanimoto = common / (on_a + on_b - common), 1.0 for two empty
// fingerprints, and, where lengths differ (rdk), the longer one folded to
// the shorter's length first.
//
// Memory layout: fingerprints are stored row-major, one slot of
// slot_words() 64-bit words per searchable row (bit i of a fingerprint is bit
// i % 64 of word i / 64; words past the fingerprint's own length are zero),
// with each row's length and popcount alongside.
//
// Usage:
//   auto index = FingerprintIndex::build(smiles, FingerprintKind::morgan, threads);
//   index.save(dir + "/morgan.fpi");
//   const auto query = compute_fingerprint(FingerprintKind::morgan, *Molecule::from_smiles(q));
//   for (const Neighbour& n : index.top_k(query, 10)) ...
//
// A built or loaded index is immutable: top_k may be called from many
// threads at once (callers parallelise over queries).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "icma/chem/molt5_fingerprints.hpp"
#include "icma/chem/molecule.hpp"
#include "icma/retrieval/neighbour.hpp"

namespace icma::retrieval {

enum class FingerprintKind { morgan, rdk, maccs };

// "morgan", "rdk" or "maccs"; anything else throws InputError.
FingerprintKind parse_fingerprint_kind(const std::string& name);
const char* fingerprint_kind_name(FingerprintKind kind);

// The fingerprint of `kind` for one molecule (see the table above).
chem::BitFingerprint compute_fingerprint(FingerprintKind kind, const chem::Molecule& molecule);

class FingerprintIndex {
 public:
  // Fingerprints of `smiles`, one corpus row each, in row order. Rows that
  // do not parse (Molecule::from_smiles) are left out of search and listed in
  // unparsable_rows(). Fingerprinting runs on `threads` threads.
  static FingerprintIndex build(const std::vector<std::string>& smiles, FingerprintKind kind, unsigned threads);

  // An index over fingerprints computed elsewhere; std::nullopt marks a row
  // that is not searchable. Throws std::invalid_argument for an empty
  // fingerprint (0 bits) or more than 2^32 - 1 rows.
  static FingerprintIndex from_fingerprints(FingerprintKind kind,
                                            const std::vector<std::optional<chem::BitFingerprint>>& rows);

  // Writes the index atomically (icma::AtomicFile) in our own little-endian
  // binary format (see fingerprint_index_file.cpp).
  void save(const std::string& path) const;
  // Reads an index written by save(); a missing, truncated or corrupt file,
  // or one of another format version, throws InputError naming the file.
  static FingerprintIndex load(const std::string& path);

  FingerprintKind kind() const { return kind_; }
  // Corpus rows, searchable or not.
  std::size_t size() const { return corpus_rows_; }
  // Rows with a fingerprint (size() - unparsable_rows().size()).
  std::size_t searchable_size() const { return rows_.size(); }
  // Corpus rows left out of search, ascending.
  const std::vector<std::uint32_t>& unparsable_rows() const { return unparsable_rows_; }
  // The stored fingerprint of a corpus row; std::nullopt for an unparsable
  // or out-of-range row. Saves recomputing queries when they are the corpus.
  std::optional<chem::BitFingerprint> fingerprint(std::uint32_t row) const;

  // The min(k, searchable rows) rows most similar to `query`: highest score
  // first, equal scores in corpus row order (as Python's stable
  // sorted(..., reverse=True) ranks them). `exclude_row`, a corpus row, is
  // left out (e.g. the query itself). Throws std::invalid_argument when the
  // query's length cannot be compared with the stored ones (RDKit raises
  // there too), e.g. a 2048-bit query against MACCS keys.
  std::vector<Neighbour> top_k(const chem::BitFingerprint& query, std::size_t k,
                               std::optional<std::uint32_t> exclude_row = std::nullopt) const;

  // 64-bit words per stored fingerprint slot.
  std::size_t slot_words() const { return slot_words_; }

 private:
  FingerprintIndex() = default;
  // Derives the per-length summaries (lengths_, size_class_) from bits_.
  void index_lengths();

  FingerprintKind kind_ = FingerprintKind::morgan;
  std::size_t corpus_rows_ = 0;
  std::size_t slot_words_ = 0;
  std::vector<std::uint32_t> rows_;             // [searchable] corpus row of each stored fingerprint, ascending
  std::vector<std::uint32_t> bits_;             // [searchable] fingerprint length in bits
  std::vector<std::uint32_t> popcounts_;        // [searchable] bits on
  std::vector<std::uint64_t> words_;            // [searchable * slot_words_]
  std::vector<std::uint32_t> unparsable_rows_;  // ascending

  // Distinct fingerprint lengths (one for morgan and maccs, up to six for
  // rdk), with the largest popcount among rows of that length; size_class_
  // maps each stored row to its entry.
  struct LengthClass {
    std::uint32_t bits;
    std::uint32_t max_popcount;
  };
  std::vector<LengthClass> lengths_;
  std::vector<std::uint8_t> size_class_;  // [searchable]
};

}  // namespace icma::retrieval
