#pragma once
// Mol2Cap (molecule -> caption) scoring, as MolT5's text_translation_metrics.py:
//   - an output starting with "[CLS] " loses that prefix;
//   - BLEU-2/4 (corpus) and METEOR (mean per row) on the text tokenizer's
//     tokens (BertWordPieceTokenizer already leaves out [PAD], [CLS] and
//     [SEP], as the script does after tokenizing);
//   - ROUGE-1/2/L: mean per-row F-measure of scorer.score(output, ground truth)
//     on the raw strings.

#include <cstddef>
#include <vector>

#include "icma/data/predictions.hpp"
#include "icma/eval/bleu.hpp"
#include "icma/eval/meteor.hpp"
#include "icma/eval/rouge.hpp"

namespace icma::tokenizer {
class TextTokenizer;
}

namespace icma::eval {

struct Mol2CapRowScores {
  std::size_t line = 0;
  std::size_t ground_truth_tokens = 0;
  std::size_t output_tokens = 0;
  BleuCounts bleu;
  double meteor = 0.0;
  MeteorAlignment alignment;
  RougeScores rouge;
};

struct Mol2CapScores {
  std::vector<Mol2CapRowScores> rows;
  BleuCounts bleu_totals;
  double bleu2 = 0.0;
  double bleu4 = 0.0;
  double meteor = 0.0;
  double rouge1 = 0.0;
  double rouge2 = 0.0;
  double rougeL = 0.0;
};

// The output as the reference scores it: without a leading "[CLS] ".
std::string_view strip_cls_prefix(std::string_view output);

// The corpus metrics (every field but `rows`) over rows[selection[0]],
// rows[selection[1]], ...; repeats allowed, as in a bootstrap resample.
// score_mol2cap fills them from all rows in order.
Mol2CapScores mol2cap_totals(const std::vector<Mol2CapRowScores>& rows, const std::vector<std::size_t>& selection);

Mol2CapScores score_mol2cap(const std::vector<data::Prediction>& rows, const tokenizer::TextTokenizer& tokenizer,
                            const Meteor& meteor, unsigned threads);

}  // namespace icma::eval
