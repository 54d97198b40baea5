#include "icma/eval/cap2mol.hpp"

#include <numeric>

#include "icma/chem/molt5_fingerprints.hpp"
#include "icma/chem/inchi.hpp"
#include "icma/chem/molecule.hpp"
#include "icma/core/parallel.hpp"
#include "icma/core/progress.hpp"
#include "icma/core/utf8.hpp"
#include "icma/eval/levenshtein.hpp"
#include "icma/eval/stats.hpp"

namespace icma::eval {
namespace {

Cap2MolRowScores score_row(const data::Prediction& row) {
  Cap2MolRowScores scores;
  scores.line = row.line;

  // String metrics on characters (Python code points), as the reference.
  const std::u32string output = utf8::decode(row.output);
  const std::u32string ground_truth = utf8::decode(row.ground_truth);
  scores.levenshtein = levenshtein(output, ground_truth);
  scores.bleu = bleu_counts(std::vector<std::uint32_t>(ground_truth.begin(), ground_truth.end()),
                            std::vector<std::uint32_t>(output.begin(), output.end()));

  // Molecules too large for InChI skip RDKit's stereo perception (quadratic
  // in atoms): nothing scored here uses their stereo.
  const std::optional<chem::Molecule> output_molecule = chem::Molecule::from_smiles(row.output, chem::kInchiMaxAtoms);
  const std::optional<chem::Molecule> ground_truth_molecule =
      chem::Molecule::from_smiles(row.ground_truth, chem::kInchiMaxAtoms);
  scores.output_parses = output_molecule.has_value();
  scores.ground_truth_parses = ground_truth_molecule.has_value();
  if (!output_molecule || !ground_truth_molecule) return scores;

  if (row.output == row.ground_truth) {
    scores.exact = true;  // one SMILES, one molecule, one InChI
  } else {
    const chem::InchiMatch match = chem::match_standard_inchi(*output_molecule, *ground_truth_molecule);
    scores.exact = match.same;
    scores.exact_capped = match.capped;
  }
  const chem::FingerprintSimilarity similarity = chem::molt5_similarity(
      chem::molt5_fingerprints(*ground_truth_molecule), chem::molt5_fingerprints(*output_molecule));
  scores.maccs = similarity.maccs;
  scores.rdk = similarity.rdk;
  scores.morgan = similarity.morgan_count;
  return scores;
}

}  // namespace

Cap2MolScores cap2mol_totals(const std::vector<Cap2MolRowScores>& rows, const std::vector<std::size_t>& selection) {
  Cap2MolScores totals;
  std::size_t exact = 0;
  std::size_t parsed_outputs = 0;
  std::vector<double> distances, maccs, rdk, morgan;
  for (const std::size_t i : selection) {
    const Cap2MolRowScores& row = rows[i];
    totals.bleu_totals += row.bleu;
    distances.push_back(static_cast<double>(row.levenshtein));
    exact += row.exact ? 1 : 0;
    parsed_outputs += row.output_parses ? 1 : 0;
    if (row.output_parses && !row.ground_truth_parses) ++totals.unparsable_ground_truths;
    totals.exact_capped_rows += row.exact_capped ? 1 : 0;
    if (row.maccs) {
      maccs.push_back(*row.maccs);
      rdk.push_back(*row.rdk);
      morgan.push_back(*row.morgan);
    }
  }
  const double count = static_cast<double>(selection.size());
  totals.bleu = corpus_bleu(totals.bleu_totals, {0.25, 0.25, 0.25, 0.25});
  totals.exact = static_cast<double>(exact) / count;
  totals.levenshtein = numpy_mean(distances);
  // fingerprint_metrics.py: good / (good + bad), with bad = outputs that fail to parse.
  totals.validity = static_cast<double>(parsed_outputs) / count;
  totals.maccs = numpy_mean(maccs);
  totals.rdk = numpy_mean(rdk);
  totals.morgan = numpy_mean(morgan);
  return totals;
}

Cap2MolScores score_cap2mol(const std::vector<data::Prediction>& rows, unsigned threads) {
  Cap2MolScores scores;
  scores.rows.resize(rows.size());
  Progress progress("cap2mol", rows.size());
  parallel_for(rows.size(), threads, 16, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) scores.rows[i] = score_row(rows[i]);
    progress.advance(end - begin);
  });
  progress.finish();

  std::vector<std::size_t> every_row(rows.size());
  std::iota(every_row.begin(), every_row.end(), std::size_t{0});
  std::vector<Cap2MolRowScores> row_scores = std::move(scores.rows);
  scores = cap2mol_totals(row_scores, every_row);
  scores.rows = std::move(row_scores);
  return scores;
}

}  // namespace icma::eval
