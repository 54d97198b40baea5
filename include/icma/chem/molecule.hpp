#pragma once
// A molecule parsed from SMILES by RDKit. RDKit stays behind a pointer to an
// opaque implementation, so that code using this header needs no RDKit headers.
//
// Parsing follows RDKit python's Chem.MolFromSmiles(smiles) exactly, because
// MolT5's Cap2Mol metrics (validity, exact match, fingerprint similarities)
// are defined by what that call accepts:
//   - sanitisation is on, so valence and kekulisation errors reject the SMILES;
//   - explicit hydrogens without special meaning are removed;
//   - the empty string parses to a molecule with no atoms;
//   - text after the first space or tab is the molecule's name, not SMILES.
// Failures never throw: from_smiles returns std::nullopt, and RDKit's own
// error messages go to the spdlog default logger at debug level.
//
// Distinct Molecule objects may be used from different threads at once. A
// moved-from Molecule may only be assigned to or destroyed.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace icma::chem {

class Molecule {
 public:
  static std::optional<Molecule> from_smiles(std::string_view smiles);
  // The same, except that a molecule of more than `stereo_atom_limit` atoms
  // skips RDKit's final clean-up, its stereo perception, whose CIP ranking
  // grows quadratically (3 s for 3,000 atoms): for uses that ignore stereo on
  // molecules that large (MolT5's fingerprints; InChI takes none of them).
  // Which SMILES parse is unchanged.
  static std::optional<Molecule> from_smiles(std::string_view smiles, std::size_t stereo_atom_limit);

  Molecule(const Molecule& other);
  Molecule& operator=(const Molecule& other);
  Molecule(Molecule&& other) noexcept;
  Molecule& operator=(Molecule&& other) noexcept;
  ~Molecule();

  // Atoms in the graph (hydrogens count only where RDKit keeps them explicit).
  std::size_t num_atoms() const;
  // Atomic numbers of the atoms in the graph, sorted (0 for dummy atoms "*").
  std::vector<int> sorted_atomic_numbers() const;
  // Canonical isomeric SMILES, as Chem.MolToSmiles(mol) with its defaults.
  std::string to_smiles() const;
  // V2000 molblock, as Chem.MolToMolBlock(mol) with its defaults: kekulised,
  // with stereo, and with 2D coordinates computed by RDKit's depictor when the
  // molecule has none (which is always the case for molecules from SMILES).
  std::string to_molblock() const;

  // The RDKit molecule, for the chem module's own sources (see
  // src/chem/rdkit_molecule.hpp); opaque everywhere else.
  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit Molecule(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace icma::chem
