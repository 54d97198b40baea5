#include "icma/eval/mol2cap.hpp"

#include <numeric>
#include <string>
#include <unordered_map>

#include "icma/core/parallel.hpp"
#include "icma/core/progress.hpp"
#include "icma/eval/stats.hpp"
#include "icma/tokenizer/text_tokenizer.hpp"

namespace icma::eval {
namespace {

// BLEU compares tokens only within a row pair, so ids local to the row do.
BleuCounts row_bleu_counts(const std::vector<std::string>& reference, const std::vector<std::string>& hypothesis) {
  std::unordered_map<std::string_view, std::uint32_t> ids;
  const auto to_ids = [&ids](const std::vector<std::string>& tokens) {
    std::vector<std::uint32_t> out;
    out.reserve(tokens.size());
    for (const std::string& token : tokens) {
      out.push_back(ids.emplace(token, static_cast<std::uint32_t>(ids.size())).first->second);
    }
    return out;
  };
  const std::vector<std::uint32_t> reference_ids = to_ids(reference);
  const std::vector<std::uint32_t> hypothesis_ids = to_ids(hypothesis);
  return bleu_counts(reference_ids, hypothesis_ids);
}

}  // namespace

std::string_view strip_cls_prefix(std::string_view output) {
  constexpr std::string_view kPrefix = "[CLS] ";
  if (output.substr(0, kPrefix.size()) == kPrefix) output.remove_prefix(kPrefix.size());
  return output;
}

Mol2CapScores mol2cap_totals(const std::vector<Mol2CapRowScores>& rows, const std::vector<std::size_t>& selection) {
  Mol2CapScores totals;
  std::vector<double> meteor_values, rouge1, rouge2, rougeL;
  for (const std::size_t i : selection) {
    const Mol2CapRowScores& row = rows[i];
    totals.bleu_totals += row.bleu;
    meteor_values.push_back(row.meteor);
    rouge1.push_back(row.rouge.rouge1.fmeasure);
    rouge2.push_back(row.rouge.rouge2.fmeasure);
    rougeL.push_back(row.rouge.rougeL.fmeasure);
  }
  totals.bleu2 = corpus_bleu(totals.bleu_totals, {0.5, 0.5});
  totals.bleu4 = corpus_bleu(totals.bleu_totals, {0.25, 0.25, 0.25, 0.25});
  totals.meteor = numpy_mean(meteor_values);
  totals.rouge1 = numpy_mean(rouge1);
  totals.rouge2 = numpy_mean(rouge2);
  totals.rougeL = numpy_mean(rougeL);
  return totals;
}

Mol2CapScores score_mol2cap(const std::vector<data::Prediction>& rows, const tokenizer::TextTokenizer& tokenizer,
                            const Meteor& meteor, unsigned threads) {
  Mol2CapScores scores;
  scores.rows.resize(rows.size());
  Progress progress("mol2cap", rows.size());
  parallel_for(rows.size(), threads, 64, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const data::Prediction& row = rows[i];
      const std::string_view output = strip_cls_prefix(row.output);
      const std::vector<std::string> ground_truth_tokens = tokenizer.tokenize(row.ground_truth);
      const std::vector<std::string> output_tokens = tokenizer.tokenize(output);
      Mol2CapRowScores& out = scores.rows[i];
      out.line = row.line;
      out.ground_truth_tokens = ground_truth_tokens.size();
      out.output_tokens = output_tokens.size();
      out.bleu = row_bleu_counts(ground_truth_tokens, output_tokens);
      out.meteor = meteor.score(ground_truth_tokens, output_tokens, &out.alignment);
      out.rouge = rouge_score(output, row.ground_truth);  // the script's scorer.score(out, gt)
    }
    progress.advance(end - begin);
  });
  progress.finish();

  std::vector<std::size_t> every_row(rows.size());
  std::iota(every_row.begin(), every_row.end(), std::size_t{0});
  std::vector<Mol2CapRowScores> row_scores = std::move(scores.rows);
  scores = mol2cap_totals(row_scores, every_row);
  scores.rows = std::move(row_scores);
  return scores;
}

}  // namespace icma::eval
