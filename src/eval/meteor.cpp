#include "icma/eval/meteor.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "icma/text/case.hpp"
#include "icma/text/porter_stemmer.hpp"
#include "icma/text/wordnet.hpp"

namespace icma::eval {
namespace {

// A word and its position in the original sentence (NLTK's "enum" pairs).
struct Word {
  std::size_t position;
  std::string text;
};
using Match = std::pair<std::size_t, std::size_t>;  // (hypothesis position, reference position)

// NLTK's _match_enums generalised over the test: for each hypothesis word
// from the right, take the right-most reference word that `matches` it, and
// remove both. The scan order decides which of several equal words pair up,
// which changes the chunk count, so it is kept exactly.
template <typename Matches>
void match_greedily(std::vector<Word>& hypothesis, std::vector<Word>& reference, std::vector<Match>& out,
                    std::size_t& count, Matches matches) {
  for (std::size_t i = hypothesis.size(); i-- > 0;) {
    for (std::size_t j = reference.size(); j-- > 0;) {
      if (matches(hypothesis[i], reference[j])) {
        out.emplace_back(hypothesis[i].position, reference[j].position);
        hypothesis.erase(hypothesis.begin() + static_cast<std::ptrdiff_t>(i));
        reference.erase(reference.begin() + static_cast<std::ptrdiff_t>(j));
        ++count;
        break;
      }
    }
  }
}

// NLTK's _count_chunks on matches sorted by hypothesis position.
std::size_t count_chunks(const std::vector<Match>& matches) {
  std::size_t chunks = 1;
  for (std::size_t i = 0; i + 1 < matches.size(); ++i) {
    const bool adjacent = matches[i + 1].first == matches[i].first + 1 && matches[i + 1].second == matches[i].second + 1;
    if (!adjacent) ++chunks;
  }
  return chunks;
}

std::vector<Word> enumerate_lowered(const std::vector<std::string>& words) {
  std::vector<Word> out;
  out.reserve(words.size());
  for (std::size_t i = 0; i < words.size(); ++i) out.push_back(Word{i, text::python_lower(words[i])});
  return out;
}

}  // namespace

Meteor::Meteor(const text::PorterStemmer& stemmer, const text::WordNet& wordnet, MeteorParams params)
    : stemmer_(stemmer), wordnet_(wordnet), params_(params) {}

double Meteor::score(const std::vector<std::string>& reference_words, const std::vector<std::string>& hypothesis_words,
                     MeteorAlignment* alignment) const {
  std::vector<Word> hypothesis = enumerate_lowered(hypothesis_words);
  std::vector<Word> reference = enumerate_lowered(reference_words);
  const std::size_t translation_length = hypothesis.size();
  const std::size_t reference_length = reference.size();

  MeteorAlignment stages;
  std::vector<Match> matches;
  const auto same_text = [](const Word& h, const Word& r) { return h.text == r.text; };
  match_greedily(hypothesis, reference, matches, stages.exact, same_text);

  // The later stages see the stems of the words left over.
  for (Word& word : hypothesis) word.text = stemmer_.stem(word.text);
  for (Word& word : reference) word.text = stemmer_.stem(word.text);
  match_greedily(hypothesis, reference, matches, stages.stem, same_text);

  for (std::size_t i = hypothesis.size(); i-- > 0;) {
    // The hypothesis stem's synonyms: lemma names without "_", plus itself.
    std::vector<std::string> synonyms = wordnet_.synonyms(hypothesis[i].text);
    synonyms.erase(std::remove_if(synonyms.begin(), synonyms.end(),
                                  [](const std::string& name) { return name.find('_') != std::string::npos; }),
                   synonyms.end());
    synonyms.push_back(hypothesis[i].text);
    for (std::size_t j = reference.size(); j-- > 0;) {
      if (std::find(synonyms.begin(), synonyms.end(), reference[j].text) != synonyms.end()) {
        matches.emplace_back(hypothesis[i].position, reference[j].position);
        hypothesis.erase(hypothesis.begin() + static_cast<std::ptrdiff_t>(i));
        reference.erase(reference.begin() + static_cast<std::ptrdiff_t>(j));
        ++stages.synonym;
        break;
      }
    }
  }

  std::sort(matches.begin(), matches.end());  // by hypothesis position (unique)
  const std::size_t matches_count = matches.size();
  stages.chunks = matches_count == 0 ? 0 : count_chunks(matches);
  if (alignment != nullptr) *alignment = stages;

  // Every ZeroDivisionError in NLTK's formula returns 0.
  if (matches_count == 0 || translation_length == 0 || reference_length == 0) return 0.0;
  const double precision = static_cast<double>(matches_count) / static_cast<double>(translation_length);
  const double recall = static_cast<double>(matches_count) / static_cast<double>(reference_length);
  const double fmean = (precision * recall) / (params_.alpha * precision + (1 - params_.alpha) * recall);
  const double fragmentation = static_cast<double>(stages.chunks) / static_cast<double>(matches_count);
  const double penalty = params_.gamma * std::pow(fragmentation, params_.beta);
  return (1 - penalty) * fmean;
}

}  // namespace icma::eval
