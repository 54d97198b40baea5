#include "icma/chem/graph_features.hpp"

#include <GraphMol/Atom.h>
#include <GraphMol/Bond.h>

#include "rdkit_molecule.hpp"

namespace icma::chem {
namespace {

std::int64_t atom_type_index(int atomic_number) {
  if (atomic_number >= 1 && atomic_number <= 118) return atomic_number - 1;
  return kUnknownAtomType;
}

std::int64_t chirality_index(RDKit::Atom::ChiralType tag) {
  switch (tag) {
    case RDKit::Atom::CHI_UNSPECIFIED: return 0;
    case RDKit::Atom::CHI_TETRAHEDRAL_CW: return 1;
    case RDKit::Atom::CHI_TETRAHEDRAL_CCW: return 2;
    default: return 3;  // CHI_OTHER and the tags RDKit added after pretrain-gnns
  }
}

std::int64_t bond_type_index(RDKit::Bond::BondType type) {
  switch (type) {
    case RDKit::Bond::SINGLE: return 0;
    case RDKit::Bond::DOUBLE: return 1;
    case RDKit::Bond::TRIPLE: return 2;
    case RDKit::Bond::AROMATIC: return 3;
    default: return kUnknownBondType;
  }
}

std::int64_t bond_dir_index(RDKit::Bond::BondDir dir) {
  switch (dir) {
    case RDKit::Bond::ENDUPRIGHT: return 1;
    case RDKit::Bond::ENDDOWNRIGHT: return 2;
    default: return 0;
  }
}

}  // namespace

MolGraph graph_features(const Molecule& molecule) {
  const RDKit::ROMol& mol = detail::rdkit_mol(molecule);
  MolGraph graph;
  const std::size_t atoms = mol.getNumAtoms();
  graph.atom_type.reserve(atoms);
  graph.chirality.reserve(atoms);
  for (const RDKit::Atom* atom : mol.atoms()) {
    graph.atom_type.push_back(atom_type_index(atom->getAtomicNum()));
    graph.chirality.push_back(chirality_index(atom->getChiralTag()));
  }
  const std::size_t edges = 2 * static_cast<std::size_t>(mol.getNumBonds());
  for (auto* column : {&graph.edge_src, &graph.edge_dst, &graph.bond_type, &graph.bond_dir}) column->reserve(edges);
  for (const RDKit::Bond* bond : mol.bonds()) {
    const std::int64_t begin = bond->getBeginAtomIdx();
    const std::int64_t end = bond->getEndAtomIdx();
    const std::int64_t type = bond_type_index(bond->getBondType());
    const std::int64_t dir = bond_dir_index(bond->getBondDir());
    // Both directions, forward first, as pretrain-gnns lists them.
    for (const auto& [src, dst] : {std::pair{begin, end}, std::pair{end, begin}}) {
      graph.edge_src.push_back(src);
      graph.edge_dst.push_back(dst);
      graph.bond_type.push_back(type);
      graph.bond_dir.push_back(dir);
    }
  }
  return graph;
}

}  // namespace icma::chem
