#include "icma/chem/retrieval_fingerprints.hpp"

#include <DataStructs/ExplicitBitVect.h>
#include <GraphMol/Fingerprints/Fingerprints.h>
#include <GraphMol/Fingerprints/MorganFingerprints.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "rdkit_molecule.hpp"

namespace icma::chem {
BitFingerprint morgan_bit_fingerprint(const Molecule& molecule) {
  // Python's GetMorganFingerprintAsBitVect(m, 2, nBits=2048) passes no
  // invariants (so connectivity invariants), useChirality=False,
  // useBondTypes=True: the C++ defaults.
  constexpr unsigned kRadius = 2;
  constexpr unsigned kBits = 2048;
  const std::unique_ptr<ExplicitBitVect> bits(
      RDKit::MorganFingerprints::getFingerprintAsBitVect(detail::rdkit_mol(molecule), kRadius, kBits));
  return detail::from_rdkit(*bits);
}

BitFingerprint fingerprintmols_fingerprint(const Molecule& molecule) {
  // FingerprintMol(mol) calls Chem.RDKFingerprint(mol, minPath, maxPath,
  // fpSize, bitsPerHash, useHs, tgtDensity, minSize) positionally with
  // FingerprinterDetails' values; branchedPaths and useBondOrder keep
  // RDKFingerprint's defaults (true). RDKit folds to the target density
  // inside this call.
  const std::unique_ptr<ExplicitBitVect> bits(RDKit::RDKFingerprintMol(detail::rdkit_mol(molecule),
                                                                       /*minPath=*/1,
                                                                       /*maxPath=*/7,
                                                                       /*fpSize=*/2048,
                                                                       /*nBitsPerHash=*/2,
                                                                       /*useHs=*/false,
                                                                       /*tgtDensity=*/0.3,
                                                                       /*minSize=*/64));
  return detail::from_rdkit(*bits);
}

BitFingerprint fold_fingerprint(const BitFingerprint& bits, std::size_t factor) {
  if (factor == 0 || factor > bits.size()) {
    throw std::invalid_argument("cannot fold a " + std::to_string(bits.size()) + "-bit fingerprint by " +
                                std::to_string(factor));
  }
  const std::size_t folded_size = bits.size() / factor;
  BitFingerprint folded(folded_size);
  // Bit by bit, as RDKit does it; the index has a word-level fast path.
  for (std::size_t bit = 0; bit < bits.size(); ++bit) {
    if (bits.test(bit)) folded.set(bit % folded_size);
  }
  return folded;
}

double fingerprint_similarity(const BitFingerprint& a, const BitFingerprint& b) {
  if (a.size() > b.size() && b.size() > 0) return tanimoto(fold_fingerprint(a, a.size() / b.size()), b);
  if (b.size() > a.size() && a.size() > 0) return tanimoto(a, fold_fingerprint(b, b.size() / a.size()));
  return tanimoto(a, b);  // equal sizes, or an empty one: tanimoto throws on the mismatch
}

}  // namespace icma::chem
