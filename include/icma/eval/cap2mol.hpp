#pragma once
// Cap2Mol (caption -> molecule) scoring, as MolT5's mol_translation_metrics.py
// and fingerprint_metrics.py:
//   - BLEU: corpus BLEU-4 over characters of the SMILES strings;
//   - exact match: standard InChI of output == that of ground truth (both
//     must parse), over all rows; molecules too large to lay out in bounded
//     time are compared without InChIs (chem/inchi.hpp) and counted;
//   - Levenshtein: mean edit distance of the raw strings;
//   - validity: rows whose output parses / rows (an empty output parses, to
//     an empty molecule, as in RDKit);
//   - MACCS, RDK and Morgan (radius 2, unfolded counts) Tanimoto, averaged
//     over rows whose output parses.

#include <cstddef>
#include <optional>
#include <vector>

#include "icma/data/predictions.hpp"
#include "icma/eval/bleu.hpp"

namespace icma::eval {

struct Cap2MolRowScores {
  std::size_t line = 0;
  std::size_t levenshtein = 0;
  BleuCounts bleu;
  bool output_parses = false;
  bool ground_truth_parses = false;
  bool exact = false;
  bool exact_capped = false;  // exact match decided by chem::kLayoutCapAtoms, not InChIs
  // Present when both molecules parse.
  std::optional<double> maccs;
  std::optional<double> rdk;
  std::optional<double> morgan;
};

struct Cap2MolScores {
  std::vector<Cap2MolRowScores> rows;
  BleuCounts bleu_totals;
  double bleu = 0.0;
  double exact = 0.0;
  double levenshtein = 0.0;
  double validity = 0.0;
  double maccs = 0.0;
  double rdk = 0.0;
  double morgan = 0.0;
  std::size_t unparsable_ground_truths = 0;  // rows left out of the fingerprint means
  std::size_t exact_capped_rows = 0;         // rows whose exact match the atom cap decided
};

// The corpus metrics (every field but `rows`) over rows[selection[0]],
// rows[selection[1]], ...; repeats allowed, as in a bootstrap resample.
// score_cap2mol fills them from all rows in order.
Cap2MolScores cap2mol_totals(const std::vector<Cap2MolRowScores>& rows, const std::vector<std::size_t>& selection);

Cap2MolScores score_cap2mol(const std::vector<data::Prediction>& rows, unsigned threads);

}  // namespace icma::eval
