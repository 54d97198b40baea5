#include "icma/chem/molt5_fingerprints.hpp"

#include <DataStructs/ExplicitBitVect.h>
#include <DataStructs/SparseIntVect.h>
#include <GraphMol/Fingerprints/Fingerprints.h>
#include <GraphMol/Fingerprints/MACCS.h>
#include <GraphMol/Fingerprints/MorganFingerprints.h>

#include <algorithm>
#include <bitset>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "rdkit_molecule.hpp"

namespace icma::chem {

namespace detail {

BitFingerprint from_rdkit(const ExplicitBitVect& bits) {
  BitFingerprint fingerprint(bits.getNumBits());
  std::vector<int> on;
  bits.getOnBits(on);
  for (int bit : on) fingerprint.set(static_cast<std::size_t>(bit));
  return fingerprint;
}

}  // namespace detail

namespace {

constexpr std::size_t kWordBits = 64;

void check_bit(std::size_t bit, std::size_t num_bits) {
  if (bit >= num_bits) {
    throw std::out_of_range("bit " + std::to_string(bit) + " of a " + std::to_string(num_bits) + "-bit fingerprint");
  }
}

}  // namespace

// ---- BitFingerprint -----------------------------------------------------------

BitFingerprint::BitFingerprint(std::size_t num_bits)
    : num_bits_(num_bits), words_((num_bits + kWordBits - 1) / kWordBits, 0) {}

bool BitFingerprint::test(std::size_t bit) const {
  check_bit(bit, num_bits_);
  return (words_[bit / kWordBits] >> (bit % kWordBits)) & 1U;
}

void BitFingerprint::set(std::size_t bit) {
  check_bit(bit, num_bits_);
  words_[bit / kWordBits] |= std::uint64_t{1} << (bit % kWordBits);
}

std::size_t BitFingerprint::count() const {
  std::size_t on = 0;
  for (std::uint64_t word : words_) on += std::bitset<kWordBits>(word).count();
  return on;
}

// ---- CountFingerprint ---------------------------------------------------------

CountFingerprint::CountFingerprint(std::vector<Entry> entries) : entries_(std::move(entries)) {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].second == 0) throw std::invalid_argument("count fingerprint with a zero count");
    if (i > 0 && entries_[i - 1].first >= entries_[i].first) {
      throw std::invalid_argument("count fingerprint ids must increase strictly");
    }
  }
}

// ---- computing ------------------------------------------------------------------

BitFingerprint maccs_fingerprint(const Molecule& molecule) {
  // RDKit compiles its MACCS SMARTS patterns into a global on first use, and
  // older releases did so with an unguarded check-then-set. Make the first
  // call once, alone; later calls only read the patterns.
  static std::once_flag patterns_ready;
  std::call_once(patterns_ready, [] {
    const auto methane = Molecule::from_smiles("C");
    const std::unique_ptr<ExplicitBitVect> bits(
        RDKit::MACCSFingerprints::getFingerprintAsBitVect(detail::rdkit_mol(*methane)));
  });
  const std::unique_ptr<ExplicitBitVect> bits(
      RDKit::MACCSFingerprints::getFingerprintAsBitVect(detail::rdkit_mol(molecule)));
  return detail::from_rdkit(*bits);
}

BitFingerprint rdk_fingerprint(const Molecule& molecule) {
  // Defaults as in python's Chem.RDKFingerprint: paths of 1-7 bonds, 2048
  // bits, 2 bits per hash, hydrogens and branched paths included.
  const std::unique_ptr<ExplicitBitVect> bits(RDKit::RDKFingerprintMol(detail::rdkit_mol(molecule)));
  return detail::from_rdkit(*bits);
}

CountFingerprint morgan_count_fingerprint(const Molecule& molecule, unsigned radius) {
  // As AllChem.GetMorganFingerprint(m, radius): connectivity invariants, bond
  // types on, chirality off, counts on; 2^32 possible ids, never folded.
  const std::unique_ptr<RDKit::SparseIntVect<std::uint32_t>> counts(
      RDKit::MorganFingerprints::getFingerprint(detail::rdkit_mol(molecule), radius));
  std::vector<CountFingerprint::Entry> entries;
  entries.reserve(counts->getNonzeroElements().size());
  // getNonzeroElements is a std::map, hence already sorted by id.
  for (const auto& [id, count] : counts->getNonzeroElements()) entries.emplace_back(id, count);
  return CountFingerprint(std::move(entries));
}

MolT5Fingerprints molt5_fingerprints(const Molecule& molecule) {
  return {maccs_fingerprint(molecule), rdk_fingerprint(molecule), morgan_count_fingerprint(molecule, 2)};
}

// ---- similarity -----------------------------------------------------------------
// The formulas are RDKit's (DataStructs BitOps and SparseIntVect), with
// integer sums: RDKit sums in doubles, which hold these integers exactly, so
// the final division gives the same double.

double tanimoto(const BitFingerprint& a, const BitFingerprint& b) {
  if (a.size() != b.size()) {
    throw std::invalid_argument("Tanimoto of bit fingerprints of different sizes (" +
                                std::to_string(a.size()) + " and " + std::to_string(b.size()) + ")");
  }
  std::size_t common = 0;
  for (std::size_t i = 0; i < a.words().size(); ++i) {
    common += std::bitset<kWordBits>(a.words()[i] & b.words()[i]).count();
  }
  const std::size_t union_size = a.count() + b.count() - common;
  if (union_size == 0) return 1.0;
  return static_cast<double>(common) / static_cast<double>(union_size);
}

double tanimoto(const CountFingerprint& a, const CountFingerprint& b) {
  std::int64_t sum_a = 0;
  std::int64_t sum_b = 0;
  std::int64_t sum_min = 0;
  for (const auto& entry : a.entries()) sum_a += std::abs(entry.second);
  for (const auto& entry : b.entries()) sum_b += std::abs(entry.second);
  // Merge the two id-sorted lists.
  auto ia = a.entries().begin();
  auto ib = b.entries().begin();
  while (ia != a.entries().end() && ib != b.entries().end()) {
    if (ia->first < ib->first) {
      ++ia;
    } else if (ib->first < ia->first) {
      ++ib;
    } else {
      sum_min += std::min(std::abs(ia->second), std::abs(ib->second));
      ++ia;
      ++ib;
    }
  }
  const std::int64_t denominator = sum_a + sum_b - sum_min;
  if (denominator == 0) return 0.0;  // RDKit: |denominator| < 1e-6 gives 0
  return static_cast<double>(sum_min) / static_cast<double>(denominator);
}

FingerprintSimilarity molt5_similarity(const MolT5Fingerprints& a, const MolT5Fingerprints& b) {
  return {tanimoto(a.maccs, b.maccs), tanimoto(a.rdk, b.rdk), tanimoto(a.morgan, b.morgan)};
}

double maccs_tanimoto(const Molecule& a, const Molecule& b) {
  return tanimoto(maccs_fingerprint(a), maccs_fingerprint(b));
}

double rdk_tanimoto(const Molecule& a, const Molecule& b) {
  return tanimoto(rdk_fingerprint(a), rdk_fingerprint(b));
}

double morgan_count_tanimoto(const Molecule& a, const Molecule& b) {
  return tanimoto(morgan_count_fingerprint(a), morgan_count_fingerprint(b));
}

}  // namespace icma::chem
