#pragma once
// Self-supervised pre-training of the GIN by attribute masking (Hu et al.
// 2020, pretrain-gnns' pretrain_masking.py), for users without weights.
//
// Each step takes a batch of molecules and, in each molecule, masks
// int(atoms * mask_rate + 1) atoms drawn uniformly without replacement: their
// features become (119, 0), the mask token. A linear head (emb -> 119)
// predicts each masked atom's type from its node representation, scored by
// cross-entropy; Adam updates the encoder and the head. With mask_edges the
// bonds at masked atoms (both directions) also become (5, 0), and a second
// head (emb -> 4) predicts their bond type from the sum of the two end
// nodes' representations, as pretrain-gnns' --mask_edge 1 does.
// Atoms whose true type is unknown (119, dummy atoms) and bonds of unknown
// type may be masked but are not scored (they have no class).
//
// Reproducible: for a seed, the initial weights (torch::manual_seed), the
// order of molecules in each epoch and every mask are fixed; masks come
// from icma::Rng streams per (epoch, molecule), so they do not depend on the
// batch size or on threads. With the same thread count, two runs give the
// same weights bit for bit.
//
// Optionally (contrastive_weight > 0) a contrastive term in the manner of
// GraphCL (You et al. 2020) is added: each molecule is masked twice
// independently, both views are encoded and mean-pooled, a projection head
// (Linear, ReLU, Linear) maps them, and InfoNCE with cosine similarity and
// temperature 0.1 asks each view to pick its twin among the batch's
// molecules (both directions). This shapes the pooled embeddings that
// retrieval compares, which masking alone does not. Mole-BERT's
// tokenizer-based objectives are not implemented.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "icma/chem/graph_features.hpp"
#include "icma/data/dataset.hpp"
#include "icma/gnn/gin.hpp"

namespace icma::gnn {

struct PretrainOptions {
  GinConfig config;                 // the encoder to train
  std::size_t epochs = 20;          // 0: just write the seeded initial weights
  std::size_t batch_size = 256;
  double learning_rate = 1e-3;
  double weight_decay = 0.0;
  double mask_rate = 0.15;
  bool mask_edges = false;          // pretrain-gnns' default
  double contrastive_weight = 0.0;  // weight of the GraphCL-style term (0: off)
  double temperature = 0.1;         // of the contrastive term
  std::uint64_t seed = 42;
  std::string out;                  // safetensors file, rewritten atomically at each checkpoint
  std::size_t checkpoint_every = 1; // epochs between checkpoints (0: only at the end)
  std::map<std::string, std::string> metadata;  // stored in the file, with the training settings
  bool progress = true;             // progress bar / periodic log lines
};

struct EpochStats {
  std::size_t epoch = 0;            // 1-based
  double loss = 0.0;                // mean over batches
  double atom_accuracy = 0.0;       // masked atoms whose type was predicted
  double seconds = 0.0;
};

// The graphs of a corpus's molecules, featurised on `threads` threads.
// Rows whose SMILES does not parse or has no atoms cannot be trained on:
// each is logged as a warning with its file:line and left out.
std::vector<chem::MolGraph> featurise_corpus(const data::Dataset& corpus, unsigned threads);

// Trains on `graphs` (none may be empty) and writes options.out; returns the
// statistics of every epoch. Throws icma::InputError for bad options.
std::vector<EpochStats> pretrain_attribute_masking(const std::vector<chem::MolGraph>& graphs,
                                                   const PretrainOptions& options);

}  // namespace icma::gnn
