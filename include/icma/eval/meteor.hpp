#pragma once
// METEOR exactly as NLTK 3.8's meteor_score computes it for one reference:
// tokens are lower-cased (str.lower), then aligned in three greedy stages
// that each scan the hypothesis and the reference from the right:
//   1. exact matches;
//   2. matches of the Porter stems (NLTK's PorterStemmer) of what is left;
//   3. WordNet synonyms: a left-over reference stem matches a left-over
//      hypothesis stem if it is one of the lemma names (without "_") of the
//      synsets of that stem, or the stem itself.
// Then P = m / |hyp|, R = m / |ref|, Fmean = PR / (alpha P + (1 - alpha) R),
// penalty = gamma (chunks / m)^beta, score = (1 - penalty) Fmean; 0 when
// anything divides by zero.

#include <memory>
#include <string>
#include <vector>

namespace icma::text {
class PorterStemmer;
class WordNet;
}  // namespace icma::text

namespace icma::eval {

struct MeteorParams {
  double alpha = 0.9;
  double beta = 3.0;
  double gamma = 0.5;
};

struct MeteorAlignment {
  std::size_t exact = 0;    // matches found by each stage
  std::size_t stem = 0;
  std::size_t synonym = 0;
  std::size_t chunks = 0;
};

class Meteor {
 public:
  // Both must outlive the Meteor object. Thread-safe: score() is const.
  Meteor(const text::PorterStemmer& stemmer, const text::WordNet& wordnet, MeteorParams params = {});
  ~Meteor();

  double score(const std::vector<std::string>& reference, const std::vector<std::string>& hypothesis,
               MeteorAlignment* alignment = nullptr) const;

 private:
  // Stems and synonym sets of the words seen so far: a corpus repeats its
  // words, and each is worth computing once.
  struct Cache;
  const std::string& stem(const std::string& word) const;
  const std::vector<std::string>& synonyms(const std::string& stem) const;

  const text::PorterStemmer& stemmer_;
  const text::WordNet& wordnet_;
  MeteorParams params_;
  std::unique_ptr<Cache> cache_;
};

}  // namespace icma::eval
