#pragma once
// SMILES in, one GIN embedding per molecule out: parsing and featurisation
// in parallel, then batches of many molecules through GinInference.
//
// A molecule without an embedding is not an error here, it is a status the
// caller reports (icma-index lists such corpus rows in its manifest and
// leaves them out of GNN search; icma-retrieve writes no neighbours for
// such queries):
//   unparsable  RDKit rejects the SMILES (Chem.MolFromSmiles gives None)
//   no_atoms    it parses to a molecule without atoms (the empty SMILES)
// Everything that parses and has an atom gets an embedding, including single
// atoms and ions ("[Na+].[Cl-]": two unbonded nodes; see graph_features.hpp).

#include <cstdint>
#include <string>
#include <vector>

#include "icma/gnn/gin_inference.hpp"

namespace icma::gnn {

enum class EmbeddingStatus : std::uint8_t { ok, unparsable, no_atoms };
const char* embedding_status_text(EmbeddingStatus status);

struct EmbeddingOptions {
  unsigned threads = 1;          // featurisation threads (the GIN uses torch's)
  std::size_t batch_size = 2048; // molecules per forward pass (larger: more shared work, more memory)
  bool l2_normalise = true;      // unit vectors, so that dot product = cosine
  std::string progress_label;    // empty: no progress bar
};

struct MoleculeEmbeddings {
  std::int64_t dim = 0;
  std::vector<float> values;             // [molecules * dim], row-major; zeros where status != ok
  std::vector<EmbeddingStatus> status;   // [molecules]
  std::size_t size() const { return status.size(); }
  const float* row(std::size_t i) const { return values.data() + i * static_cast<std::size_t>(dim); }
};

MoleculeEmbeddings embed_smiles(const GinInference& model, const std::vector<std::string>& smiles,
                                const EmbeddingOptions& options);

}  // namespace icma::gnn
