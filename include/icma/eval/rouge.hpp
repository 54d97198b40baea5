#pragma once
// ROUGE-1, ROUGE-2 and ROUGE-L exactly as Google's rouge_score package
// (RougeScorer(['rouge1','rouge2','rougeL']), no stemmer) computes them:
// its tokenizer lower-cases the text (Python str.lower), keeps the maximal
// runs of [a-z0-9] as tokens, and scores n-gram overlap and the longest
// common subsequence; F = 2PR / (P + R).

#include <string>
#include <string_view>
#include <vector>

namespace icma::eval {

struct RougeScore {
  double precision = 0.0;
  double recall = 0.0;
  double fmeasure = 0.0;
};

struct RougeScores {
  RougeScore rouge1;
  RougeScore rouge2;
  RougeScore rougeL;
};

// rouge_score's tokenizer (tokenize.tokenize(text, stemmer=None)).
std::vector<std::string> rouge_tokenize(std::string_view text);

// scorer.score(target, prediction): precision is measured on the
// prediction, recall on the target.
RougeScores rouge_score(std::string_view target, std::string_view prediction);

}  // namespace icma::eval
