#pragma once
// The part of NLTK 3.8's WordNetCorpusReader that METEOR uses
// (nltk/translate/meteor_score.py, _enum_wordnetsyn_match):
//   wordnet.synsets(word)  ->  for each synset, [l.name() for l in synset.lemmas()]
// read from a Princeton WordNet 3.0 database directory (index.*, data.*,
// *.exc; e.g. /usr/share/wordnet from Debian's wordnet-base). Results are
// those of NLTK, order and duplicates included.
//
// open() loads the index and exception files into hash maps; synset records
// are parsed on demand from the data files, which are kept in memory. All
// const methods are safe to call from several threads at once.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace icma::text {

class WordNet {
 public:
  // Throws icma::InputError (file, line, what) for a missing or garbled file.
  static WordNet open(const std::string& dict_dir);

  // Movable, not copyable; a moved-from WordNet may only be assigned to or
  // destroyed.
  WordNet(WordNet&&) noexcept;
  WordNet& operator=(WordNet&&) noexcept;
  ~WordNet();

  // NLTK's POS_LIST order. Satellite adjectives ("s") count as adj: they live
  // in data.adj and index.adj like head adjectives.
  enum class Pos { noun, verb, adj, adv };
  static constexpr Pos kAllPos[] = {Pos::noun, Pos::verb, Pos::adj, Pos::adv};

  // NLTK's _morphy(form, pos, check_exceptions=True): the base forms of
  // `form` that WordNet lists under `pos`, in NLTK's order. `form` is used as
  // given (synsets() lowercases, _morphy does not).
  std::vector<std::string> morphy(std::string_view form, Pos pos) const;

  struct SynsetRef {
    Pos pos;
    std::uint32_t offset;  // byte offset of the record in data.<pos>
    bool operator==(const SynsetRef& other) const { return pos == other.pos && offset == other.offset; }
  };

  // NLTK's synsets(word): `word` lowercased as Python's str.lower does, then
  // for each part of speech, each form from morphy(), each synset of that
  // form in the index. A synset reached through two forms appears twice.
  std::vector<SynsetRef> synsets(std::string_view word) const;

  // NLTK's [l.name() for l in synset.lemmas()]: case kept, "_" for spaces,
  // adjective markers such as "(p)" removed. Throws icma::InputError when no
  // record starts at s.offset or the record is garbled.
  std::vector<std::string> lemma_names(SynsetRef s) const;

  // All lemma names of all synsets(word), sorted (bytewise) and unique: the
  // set METEOR's _enum_wordnetsyn_match builds before dropping names with
  // "_" and adding the word itself.
  std::vector<std::string> synonyms(std::string_view word) const;

 private:
  struct Database;
  explicit WordNet(std::unique_ptr<const Database> database);
  std::unique_ptr<const Database> db_;
};

}  // namespace icma::text
