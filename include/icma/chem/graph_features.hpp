#pragma once
// A molecule as the integer-featured graph that the GIN of pretrain-gnns
// ("Strategies for Pre-training Graph Neural Networks", Hu et al. 2020) and
// Mole-BERT read: their mol_to_graph_data_obj_simple, with the cases that
// code crashes on given a defined meaning.
//
// Node features, one pair per atom in RDKit's atom order:
//   atom_type   atomic number - 1 (allowable list range(1, 119)), so 0..117;
//               kUnknownAtomType (119, the model's mask token) for anything
//               else, i.e. dummy atoms "*" (atomic number 0). pretrain-gnns
//               raises ValueError on those; we read them as "unknown".
//   chirality   index in [CHI_UNSPECIFIED, CHI_TETRAHEDRAL_CW,
//               CHI_TETRAHEDRAL_CCW, CHI_OTHER]; RDKit's newer tags
//               (CHI_TETRAHEDRAL, CHI_ALLENE, CHI_SQUAREPLANAR, ...) are 3,
//               "other". (The published model has only 3 chirality
//               embeddings; gnn::GraphBatch reads 3 as 0, see there.)
// Edge features, one pair per direction of each bond: bond b gives edges
// 2b = (begin, end) and 2b + 1 = (end, begin), in RDKit's bond order:
//   bond_type   SINGLE 0, DOUBLE 1, TRIPLE 2, AROMATIC 3; any other type
//               (dative, zero-order, ...) is kUnknownBondType (5, the model's
//               masked-bond token). 4 is the self-loop type the GIN adds.
//   bond_dir    NONE 0, ENDUPRIGHT 1, ENDDOWNRIGHT 2; other directions (which
//               SMILES never produces: wedges come from molblocks) are 0.
//
// Molecules are parsed as chem::Molecule does (Chem.MolFromSmiles). Charges,
// hydrogens and isotopes are not features, so "[Na+].[Cl-]" is two unbonded
// nodes (Na, Cl) and "[13CH4]" equals "C". A molecule with no atoms (the
// empty SMILES) gives an empty graph; the encoder refuses those.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "icma/chem/molecule.hpp"

namespace icma::chem {

constexpr std::int64_t kNumAtomTypes = 119;      // 0..117 elements 1..118, 118 unused, 119 unknown/mask
constexpr std::int64_t kUnknownAtomType = 119;   // pretrain-gnns' mask token
constexpr std::int64_t kSelfLoopBondType = 4;
constexpr std::int64_t kUnknownBondType = 5;     // pretrain-gnns' masked-bond token

struct MolGraph {
  std::vector<std::int64_t> atom_type;   // [atoms]
  std::vector<std::int64_t> chirality;   // [atoms]
  std::vector<std::int64_t> edge_src;    // [2 * bonds]
  std::vector<std::int64_t> edge_dst;    // [2 * bonds]
  std::vector<std::int64_t> bond_type;   // [2 * bonds]
  std::vector<std::int64_t> bond_dir;    // [2 * bonds]

  std::size_t num_atoms() const { return atom_type.size(); }
  std::size_t num_edges() const { return edge_src.size(); }
};

MolGraph graph_features(const Molecule& molecule);

}  // namespace icma::chem
