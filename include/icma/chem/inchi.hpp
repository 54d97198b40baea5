#pragma once
// Standard InChI, made the way MolT5's reference numbers were made on a
// machine whose RDKit has no InChI support: RDKit writes the molecule as a
// molblock (python's Chem.MolToMolBlock defaults), Open Babel 3.1.1 reads it
// with its "mol" format and writes it with its "inchi" format (default
// options, i.e. pybel.readstring("mol", block).write("inchi")), and the
// trailing newline is stripped. Exact match in Cap2Mol compares these strings.
//
// Safe to call from several threads at once; the Open Babel part runs one
// call at a time (see inchi.cpp for why). Open Babel's warnings ("Omitted
// undefined stereo", ...) go to the spdlog default logger at debug level.

#include <string>

#include "icma/chem/molecule.hpp"

namespace icma::chem {

// Returns "" when Open Babel makes no InChI: for a molecule without atoms, or
// with atoms InChI does not know (dummy atoms "*"). Throws icma::Error only
// when Open Babel's format plugins cannot be found (a broken installation;
// BABEL_LIBDIR points Open Babel at them).
std::string standard_inchi(const Molecule& molecule);

// The Open Babel half on its own: the standard InChI of an MDL molblock, ""
// when Open Babel cannot read the block or makes no InChI from it.
std::string standard_inchi_from_molblock(const std::string& molblock);

// InChI's own limit: Open Babel makes no InChI ("") for a molecule of more
// atoms, so none is computed (laying out thousands of atoms took minutes).
constexpr std::size_t kInchiMaxAtoms = 1023;
// Making a molblock lays the molecule out in 2D, which grows faster than
// linearly with its ring systems (a 1,000-atom ring ladder: 3.5 s), and so do
// its canonical SMILES. Pairs with a molecule above this many atoms that only
// an InChI could tell apart (same heavy atoms; or one with no InChI, the other
// this large) are neither laid out nor canonicalised: they count as
// different, and as capped. No molecule of ChEBI-20 or PubChem324k comes near
// (the largest has 574 atoms). Callers that have the SMILES strings should
// first count identical strings as the same molecule.
constexpr std::size_t kLayoutCapAtoms = 600;

struct InchiMatch {
  bool same = false;    // standard_inchi(a) == standard_inchi(b), or the cap's answer
  bool capped = false;  // decided by kLayoutCapAtoms instead of InChIs
};

// standard_inchi(a) == standard_inchi(b), as MolT5's exact-match metric
// compares them (two failed InChIs, both "", count as equal), computing the
// InChIs only when nothing cheaper decides:
//   - a molecule without atoms, with dummy atoms "*", or with more than
//     kInchiMaxAtoms atoms has no InChI ("");
//   - an InChI's formula layer counts every non-hydrogen atom, so molecules
//     InChI accepts whose non-hydrogen atoms differ have different InChIs;
//   - then the cap above;
//   - molecules with the same canonical SMILES are the same molecule, so
//     they have the same InChI;
//   - then the InChIs.
InchiMatch match_standard_inchi(const Molecule& a, const Molecule& b);
inline bool same_standard_inchi(const Molecule& a, const Molecule& b) { return match_standard_inchi(a, b).same; }

}  // namespace icma::chem
