#pragma once
// The bit fingerprints that molecule retrieval compares, exactly as RDKit
// python computes them (python3-rdkit 2022.09):
//   morgan_bit_fingerprint        AllChem.GetMorganFingerprintAsBitVect(m, 2, nBits=2048)
//   fingerprintmols_fingerprint   rdkit.Chem.Fingerprints.FingerprintMols.FingerprintMol(m)
// and the similarity the official ICMA code ranks with,
// DataStructs.FingerprintSimilarity (Tanimoto after folding the longer
// fingerprint to the length of the shorter one).
//
// FingerprintMol is not Morgan, although the ICMA code calls its method
// "morgan": it is Chem.RDKFingerprint (paths of 1-7 bonds) with the defaults
// of FingerprintMols.FingerprinterDetails, which differ from
// Chem.RDKFingerprint's own:
//   minPath 1, maxPath 7, fpSize 2048, nBitsPerHash 2,   (same as RDKFingerprint)
//   useHs 0                    (RDKFingerprint: 1)
//   tgtDensity 0.3, minSize 64 (RDKFingerprint: 0.0 and 128)
// With a target density the fingerprint is folded in half while fewer than
// 30% of its bits are on and it has at least 128 bits, so its length varies
// with the molecule: 2048, 1024, ... down to 64 bits (64 for molecules with
// no bonds). Compare such fingerprints with fingerprint_similarity, not with
// tanimoto (which requires equal lengths).
//
// MACCS keys are maccs_fingerprint in fingerprints.hpp.

#include <cstddef>

#include "icma/chem/molt5_fingerprints.hpp"
#include "icma/chem/molecule.hpp"

namespace icma::chem {

// Morgan (ECFP4-like) bits: radius 2, 2048 bits, connectivity invariants,
// bond types on, chirality off.
BitFingerprint morgan_bit_fingerprint(const Molecule& molecule);

// RDKit's topological fingerprint with FingerprintMols.FingerprintMol's
// defaults (see above); between 64 and 2048 bits, a power of two.
BitFingerprint fingerprintmols_fingerprint(const Molecule& molecule);

// RDKit's FoldFingerprint(bits, factor): a fingerprint of size() / factor
// bits (integer division) where bit i % new_size is on for every bit i that
// is on. Throws std::invalid_argument when factor is 0 or larger than size().
BitFingerprint fold_fingerprint(const BitFingerprint& bits, std::size_t factor);

// DataStructs.FingerprintSimilarity(a, b) with Tanimoto: when the lengths
// differ, the longer is folded by (longer / shorter) first. Throws
// std::invalid_argument when the folded length still differs (RDKit raises
// ValueError there), e.g. for 2048 and 167 bits.
double fingerprint_similarity(const BitFingerprint& a, const BitFingerprint& b);

}  // namespace icma::chem
