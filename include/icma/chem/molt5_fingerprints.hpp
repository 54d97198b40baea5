#pragma once
// Molecular fingerprints and their Tanimoto similarities, exactly as MolT5's
// fingerprint_metrics.py computes them with RDKit:
//   MACCS   MACCSkeys.GenMACCSKeys(m)                 167 bits
//   RDK     Chem.RDKFingerprint(m), defaults           2048 bits (paths of 1-7 bonds)
//   Morgan  AllChem.GetMorganFingerprint(m, 2)        unfolded, with counts
// The fingerprints are plain data (no RDKit types), so they can be stored,
// compared many times, and kept in indexes. Compute each molecule's once with
// molt5_fingerprints() and compare with molt5_similarity().

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "icma/chem/molecule.hpp"

namespace icma::chem {

// A fixed-length bit vector, packed into 64-bit words (bit i is bit i % 64 of
// word i / 64; bits past size() are zero).
class BitFingerprint {
 public:
  BitFingerprint() = default;
  explicit BitFingerprint(std::size_t num_bits);

  std::size_t size() const { return num_bits_; }
  bool test(std::size_t bit) const;
  void set(std::size_t bit);
  std::size_t count() const;  // bits that are on
  const std::vector<std::uint64_t>& words() const { return words_; }

  friend bool operator==(const BitFingerprint& a, const BitFingerprint& b) {
    return a.num_bits_ == b.num_bits_ && a.words_ == b.words_;
  }

 private:
  std::size_t num_bits_ = 0;
  std::vector<std::uint64_t> words_;
};

// An unfolded count fingerprint: (feature id, count) pairs, ids strictly
// increasing, counts non-zero.
class CountFingerprint {
 public:
  using Entry = std::pair<std::uint32_t, std::int32_t>;

  CountFingerprint() = default;
  // Throws std::invalid_argument unless ids increase strictly and counts are non-zero.
  explicit CountFingerprint(std::vector<Entry> entries);

  const std::vector<Entry>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }

  friend bool operator==(const CountFingerprint& a, const CountFingerprint& b) {
    return a.entries_ == b.entries_;
  }

 private:
  std::vector<Entry> entries_;
};

BitFingerprint maccs_fingerprint(const Molecule& molecule);
BitFingerprint rdk_fingerprint(const Molecule& molecule);
// Morgan (ECFP-like) environments up to `radius` bonds, chirality ignored.
CountFingerprint morgan_count_fingerprint(const Molecule& molecule, unsigned radius = 2);

// RDKit's Tanimoto: on / (on_a + on_b - common); 1.0 when both are empty.
// Throws std::invalid_argument when the sizes differ.
double tanimoto(const BitFingerprint& a, const BitFingerprint& b);
// RDKit's Tanimoto on counts: sum(min) / (sum_a + sum_b - sum(min)); 0.0 when
// both are empty (note: not 1.0 as for bits).
double tanimoto(const CountFingerprint& a, const CountFingerprint& b);

// The three fingerprints fingerprint_metrics.py compares.
struct MolT5Fingerprints {
  BitFingerprint maccs;
  BitFingerprint rdk;
  CountFingerprint morgan;  // radius 2
};
MolT5Fingerprints molt5_fingerprints(const Molecule& molecule);

struct FingerprintSimilarity {
  double maccs = 0.0;
  double rdk = 0.0;
  double morgan_count = 0.0;
};
FingerprintSimilarity molt5_similarity(const MolT5Fingerprints& a, const MolT5Fingerprints& b);

// One-off comparisons (each computes both fingerprints).
double maccs_tanimoto(const Molecule& a, const Molecule& b);
double rdk_tanimoto(const Molecule& a, const Molecule& b);
double morgan_count_tanimoto(const Molecule& a, const Molecule& b);

}  // namespace icma::chem
