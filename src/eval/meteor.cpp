#include "icma/eval/meteor.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
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

// A map filled on first use and read by many threads. Entries are never
// erased, and unordered_map keeps references to them valid across inserts.
template <typename Value>
class MemoTable {
 public:
  template <typename Compute>
  const Value& get(const std::string& key, Compute compute) {
    {
      std::shared_lock<std::shared_mutex> lock(mutex_);
      const auto it = table_.find(key);
      if (it != table_.end()) return it->second;
    }
    Value value = compute(key);  // outside the lock; a rare duplicate computation is harmless
    std::unique_lock<std::shared_mutex> lock(mutex_);
    return table_.emplace(key, std::move(value)).first->second;
  }

 private:
  std::shared_mutex mutex_;
  std::unordered_map<std::string, Value> table_;
};

}  // namespace

struct Meteor::Cache {
  MemoTable<std::string> stems;
  MemoTable<std::vector<std::string>> synonyms;
};

Meteor::Meteor(const text::PorterStemmer& stemmer, const text::WordNet& wordnet, MeteorParams params)
    : stemmer_(stemmer), wordnet_(wordnet), params_(params), cache_(std::make_unique<Cache>()) {}

Meteor::~Meteor() = default;

const std::string& Meteor::stem(const std::string& word) const {
  return cache_->stems.get(word, [this](const std::string& w) { return stemmer_.stem(w); });
}

// NLTK's hypothesis_syns: the lemma names (without "_") of the synsets of
// the stem, plus the stem itself.
const std::vector<std::string>& Meteor::synonyms(const std::string& stem) const {
  return cache_->synonyms.get(stem, [this](const std::string& s) {
    std::vector<std::string> names = wordnet_.synonyms(s);
    names.erase(std::remove_if(names.begin(), names.end(),
                               [](const std::string& name) { return name.find('_') != std::string::npos; }),
                names.end());
    names.push_back(s);
    return names;
  });
}

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
  for (Word& word : hypothesis) word.text = stem(word.text);
  for (Word& word : reference) word.text = stem(word.text);
  match_greedily(hypothesis, reference, matches, stages.stem, same_text);

  for (std::size_t i = hypothesis.size(); i-- > 0;) {
    const std::vector<std::string>& synonyms = this->synonyms(hypothesis[i].text);
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
