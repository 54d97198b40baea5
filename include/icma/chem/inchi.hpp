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

// standard_inchi(a) == standard_inchi(b), as MolT5's exact-match metric
// compares them (two failed InChIs, both "", count as equal), without
// computing the InChIs when they cannot be equal: an InChI's formula layer
// counts every non-hydrogen atom, so molecules whose non-hydrogen atoms
// differ have different InChIs, unless InChI fails on both, which the shortcut
// leaves to the full path by only applying to molecules InChI accepts (atoms
// present, none of them dummies, fewer than 1,000).
bool same_standard_inchi(const Molecule& a, const Molecule& b);

}  // namespace icma::chem
