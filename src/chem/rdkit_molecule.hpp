#pragma once
// Private to the chem module: what a Molecule holds. Only src/chem/*.cpp
// include this, so RDKit headers never reach users of include/icma/chem.

#include <DataStructs/ExplicitBitVect.h>
#include <GraphMol/ROMol.h>

#include <memory>
#include <utility>

#include "icma/chem/molt5_fingerprints.hpp"
#include "icma/chem/molecule.hpp"

namespace icma::chem {

struct Molecule::Impl {
  explicit Impl(std::unique_ptr<RDKit::ROMol> molecule) : mol(std::move(molecule)) {}
  std::unique_ptr<RDKit::ROMol> mol;  // never null
};

namespace detail {
inline const RDKit::ROMol& rdkit_mol(const Molecule& molecule) { return *molecule.impl().mol; }

// An RDKit bit vector as our BitFingerprint (defined in fingerprints.cpp).
BitFingerprint from_rdkit(const ExplicitBitVect& bits);
}  // namespace detail

}  // namespace icma::chem
