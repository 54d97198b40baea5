// WordNet 3.0 lookups as NLTK 3.8's WordNetCorpusReader does them.
//
// The reader keeps the raw index and data files in memory. The index maps a
// lemma to its synset offsets per part of speech (keys are views into the
// index file text); exception lists map an irregular form to its base forms;
// synset records are found by byte offset in the data file text and parsed
// only as far as their lemma names.

#include "icma/text/wordnet.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <cstddef>
#include <fstream>
#include <functional>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "icma/core/error.hpp"
#include "icma/core/utf8.hpp"
#include "icma/text/case.hpp"

namespace icma::text {
namespace {

constexpr std::size_t kPosCount = 4;
constexpr std::array<const char*, kPosCount> kFileSuffix = {"noun", "verb", "adj", "adv"};

std::size_t index_of(WordNet::Pos pos) { return static_cast<std::size_t>(pos); }

// A file's bytes, read whole (without the zero-fill a std::string of that
// size would cost first: the four data files are 22 MB).
class FileText {
 public:
  static FileText read(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw InputError(path, 0, "cannot open WordNet database file");
    FileText file;
    file.size_ = static_cast<std::size_t>(in.tellg());
    file.bytes_.reset(new char[file.size_]);
    in.seekg(0);
    if (!in.read(file.bytes_.get(), static_cast<std::streamsize>(file.size_))) {
      throw InputError(path, 0, "cannot read WordNet database file");
    }
    return file;
  }
  std::string_view view() const { return {bytes_.get(), size_}; }

 private:
  std::unique_ptr<char[]> bytes_;
  std::size_t size_ = 0;
};

// Where a lemma's synset offsets lie in Database::offsets, per part of
// speech; a count of 0 means the lemma is not listed under that part of speech.
struct IndexEntry {
  std::array<std::uint32_t, kPosCount> first{};
  std::array<std::uint32_t, kPosCount> count{};
};

// Lemma -> IndexEntry, open addressing with linear probing. The keys are
// views into the index file texts. One flat probe array instead of a node
// per lemma makes loading WordNet's 147k lemmas several times faster than
// with std::unordered_map, which matters because every metric run opens it.
class LemmaTable {
 public:
  void reserve(std::size_t lemmas) {
    if (lemmas * 2 > slots_.size()) rehash(lemmas * 2);
    entries_.reserve(lemmas);
  }

  // The entry of `lemma`, created empty when absent.
  IndexEntry& operator[](std::string_view lemma) {
    if ((entries_.size() + 1) * 2 > slots_.size()) rehash(std::max<std::size_t>(1024, slots_.size() * 2));
    const std::uint32_t hash = hash_of(lemma);
    std::size_t i = hash & (slots_.size() - 1);
    for (; slots_[i].entry != 0; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].hash == hash && entries_[slots_[i].entry - 1].first == lemma) {
        return entries_[slots_[i].entry - 1].second;
      }
    }
    entries_.emplace_back(lemma, IndexEntry{});
    slots_[i] = {hash, static_cast<std::uint32_t>(entries_.size())};
    return entries_.back().second;
  }

  const IndexEntry* find(std::string_view lemma) const {
    if (slots_.empty()) return nullptr;
    const std::uint32_t hash = hash_of(lemma);
    for (std::size_t i = hash & (slots_.size() - 1); slots_[i].entry != 0; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].hash == hash && entries_[slots_[i].entry - 1].first == lemma) {
        return &entries_[slots_[i].entry - 1].second;
      }
    }
    return nullptr;
  }

 private:
  struct Slot {
    std::uint32_t hash = 0;
    std::uint32_t entry = 0;  // index into entries_ plus one; 0 = empty slot
  };

  static std::uint32_t hash_of(std::string_view key) {
    return static_cast<std::uint32_t>(std::hash<std::string_view>{}(key));
  }

  void rehash(std::size_t minimum_slots) {
    std::size_t size = 1;
    while (size < minimum_slots) size *= 2;
    std::vector<Slot> slots(size);
    for (const Slot& slot : slots_) {
      if (slot.entry == 0) continue;
      std::size_t i = slot.hash & (size - 1);
      while (slots[i].entry != 0) i = (i + 1) & (size - 1);
      slots[i] = slot;
    }
    slots_ = std::move(slots);
  }

  std::vector<Slot> slots_;  // size is a power of two, at most half full
  std::vector<std::pair<std::string_view, IndexEntry>> entries_;
};

// Python's str.split() separators among ASCII characters (the WordNet files
// are ASCII): space, \t \n \v \f \r and the separators \x1c-\x1f.
bool is_python_space(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f');
}

// Splits one line into whitespace-separated tokens, like str.split().
class Tokens {
 public:
  explicit Tokens(std::string_view line) : rest_(line) {}
  // The next token, or an empty view when there is none.
  std::string_view next() {
    std::size_t begin = 0;
    while (begin < rest_.size() && is_python_space(rest_[begin])) ++begin;
    std::size_t end = begin;
    while (end < rest_.size() && !is_python_space(rest_[end])) ++end;
    const std::string_view token = rest_.substr(begin, end - begin);
    rest_.remove_prefix(end);
    return token;
  }

 private:
  std::string_view rest_;
};

// Calls `visit(line, line_number)` for each line of `text` (without its "\n").
template <typename Visit>
void for_each_line(std::string_view text, Visit visit) {
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    visit(line, ++line_number);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

// A non-negative integer token in base 10 or 16; false when it is not one.
template <typename Integer>
bool parse_integer(std::string_view token, Integer& value, int base = 10) {
  if (token.empty()) return false;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value, base);
  return error == std::errc() && end == token.data() + token.size();
}

bool parse_pos_letter(std::string_view token, WordNet::Pos& pos) {
  if (token == "n") pos = WordNet::Pos::noun;
  else if (token == "v") pos = WordNet::Pos::verb;
  else if (token == "a" || token == "s") pos = WordNet::Pos::adj;
  else if (token == "r") pos = WordNet::Pos::adv;
  else return false;
  return true;
}

// NLTK's MORPHOLOGICAL_SUBSTITUTIONS, in its order (index = Pos).
struct Substitution {
  std::string_view old_suffix;
  std::string_view new_suffix;
};
const std::array<std::vector<Substitution>, kPosCount> kSubstitutions = {{
    {{"s", ""}, {"ses", "s"}, {"ves", "f"}, {"xes", "x"}, {"zes", "z"}, {"ches", "ch"},
     {"shes", "sh"}, {"men", "man"}, {"ies", "y"}},
    {{"s", ""}, {"ies", "y"}, {"es", "e"}, {"es", ""}, {"ed", "e"}, {"ed", ""}, {"ing", "e"},
     {"ing", ""}},
    {{"er", ""}, {"est", ""}, {"er", "e"}, {"est", "e"}},
    {},
}};

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// NLTK strips a lemma's syntactic marker with re.match(r"(.*?)(\(.*\))?$"):
// the shortest prefix after which the rest is "(...)". That is everything
// before the first "(" when the name ends with ")", else the whole name.
std::string_view strip_syntactic_marker(std::string_view name) {
  if (name.empty() || name.back() != ')') return name;
  const std::size_t open = name.find('(');
  return open == std::string_view::npos ? name : name.substr(0, open);
}

}  // namespace

struct WordNet::Database {
  std::array<FileText, kPosCount> index_text;  // owns the keys of `index`
  LemmaTable index;
  std::vector<std::uint32_t> offsets;
  std::array<std::unordered_map<std::string, std::vector<std::string>>, kPosCount> exceptions;
  std::array<FileText, kPosCount> data_text;
  std::array<std::string, kPosCount> data_path;

  const IndexEntry* find(std::string_view lemma) const { return index.find(lemma); }
  bool has(std::string_view lemma, Pos pos) const {
    const IndexEntry* entry = find(lemma);
    return entry != nullptr && entry->count[index_of(pos)] > 0;
  }

  void load_index(const std::string& path, std::size_t file_pos);
  void append_lemma_names(SynsetRef s, std::vector<std::string_view>& names) const;
  void load_exceptions(const std::string& path, std::size_t file_pos);
};

// index.<pos>: "lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt
// tagsense_cnt synset_offset..." per line; lines starting with a space are
// the licence. A lemma listed twice keeps its last line, as in NLTK's dict.
void WordNet::Database::load_index(const std::string& path, std::size_t file_pos) {
  index_text[file_pos] = FileText::read(path);
  for_each_line(index_text[file_pos].view(), [&](std::string_view line, std::size_t line_number) {
    if (!line.empty() && line.front() == ' ') return;
    const auto garbled = [&](const std::string& what) { return InputError(path, line_number, what); };
    Tokens tokens(line);
    const std::string_view lemma = tokens.next();
    Pos pos;
    if (!parse_pos_letter(tokens.next(), pos)) throw garbled("bad part of speech");
    std::uint32_t synset_count = 0, pointer_count = 0, sense_count = 0, tagged_count = 0;
    if (!parse_integer(tokens.next(), synset_count) || synset_count == 0) throw garbled("bad synset count");
    if (!parse_integer(tokens.next(), pointer_count)) throw garbled("bad pointer count");
    for (std::uint32_t i = 0; i < pointer_count; ++i) {
      if (tokens.next().empty()) throw garbled("line ends inside the pointer symbols");
    }
    if (!parse_integer(tokens.next(), sense_count) || sense_count != synset_count) {
      throw garbled("sense count differs from synset count");
    }
    if (!parse_integer(tokens.next(), tagged_count)) throw garbled("bad tagged sense count");
    IndexEntry& entry = index[lemma];
    entry.first[index_of(pos)] = static_cast<std::uint32_t>(offsets.size());
    entry.count[index_of(pos)] = synset_count;
    for (std::uint32_t i = 0; i < synset_count; ++i) {
      std::uint32_t offset = 0;
      if (!parse_integer(tokens.next(), offset)) throw garbled("bad synset offset");
      offsets.push_back(offset);
    }
  });
}

// <pos>.exc: "form base_form..." per line. A form listed twice keeps its last
// line, as in NLTK's dict; a blank line is an error there and here.
void WordNet::Database::load_exceptions(const std::string& path, std::size_t file_pos) {
  const FileText text = FileText::read(path);
  for_each_line(text.view(), [&](std::string_view line, std::size_t line_number) {
    Tokens tokens(line);
    const std::string_view form = tokens.next();
    if (form.empty()) throw InputError(path, line_number, "blank line in exception list");
    std::vector<std::string> base_forms;
    for (std::string_view base = tokens.next(); !base.empty(); base = tokens.next()) {
      base_forms.emplace_back(base);
    }
    exceptions[file_pos][std::string(form)] = std::move(base_forms);
  });
}

WordNet WordNet::open(const std::string& dict_dir) {
  auto db = std::make_unique<Database>();
  const std::string dir = dict_dir.empty() || dict_dir.back() == '/' ? dict_dir : dict_dir + "/";
  db->index.reserve(160000);  // WordNet 3.0 has 147,306 distinct lemmas
  db->offsets.reserve(210000);
  for (std::size_t p = 0; p < kPosCount; ++p) {
    db->load_index(dir + "index." + kFileSuffix[p], p);
    db->load_exceptions(dir + kFileSuffix[p] + ".exc", p);
    db->data_path[p] = dir + "data." + kFileSuffix[p];
    db->data_text[p] = FileText::read(db->data_path[p]);
  }
  return WordNet(std::move(db));
}

WordNet::WordNet(std::unique_ptr<const Database> database) : db_(std::move(database)) {}
WordNet::WordNet(WordNet&&) noexcept = default;
WordNet& WordNet::operator=(WordNet&&) noexcept = default;
WordNet::~WordNet() = default;

std::vector<std::string> WordNet::morphy(std::string_view form, Pos pos) const {
  const auto& substitutions = kSubstitutions[index_of(pos)];

  // NLTK's filter_forms: the forms WordNet lists under `pos`, first
  // occurrence kept.
  const auto known_forms = [&](const std::vector<std::string>& forms) {
    std::vector<std::string> known;
    for (const std::string& candidate : forms) {
      if (db_->has(candidate, pos) && std::find(known.begin(), known.end(), candidate) == known.end()) {
        known.push_back(candidate);
      }
    }
    return known;
  };

  // NLTK's apply_rules: every substitution whose suffix matches, for every
  // form, in that order. NLTK keeps duplicates, which can multiply from round
  // to round; dropping later duplicates changes neither the first-occurrence
  // order nor what known_forms returns, and keeps long words cheap. The
  // suffixes are ASCII, so matching UTF-8 bytes equals matching code points.
  const auto apply_rules = [&](const std::vector<std::string>& forms) {
    std::vector<std::string> next;
    std::unordered_set<std::string> seen;
    for (const std::string& current : forms) {
      for (const Substitution& rule : substitutions) {
        if (!ends_with(current, rule.old_suffix)) continue;
        std::string candidate = current.substr(0, current.size() - rule.old_suffix.size());
        candidate += rule.new_suffix;
        if (seen.insert(candidate).second) next.push_back(std::move(candidate));
      }
    }
    return next;
  };

  // 0. An irregular form is looked up in the exception list only: NLTK
  //    returns what it finds there, even nothing, without trying the rules.
  const auto& exceptions = db_->exceptions[index_of(pos)];
  if (const auto it = exceptions.find(std::string(form)); it != exceptions.end()) {
    std::vector<std::string> candidates{std::string(form)};
    candidates.insert(candidates.end(), it->second.begin(), it->second.end());
    return known_forms(candidates);
  }

  // 1-2. The form itself and one round of substitutions.
  std::vector<std::string> forms = apply_rules({std::string(form)});
  std::vector<std::string> candidates{std::string(form)};
  candidates.insert(candidates.end(), forms.begin(), forms.end());
  if (auto results = known_forms(candidates); !results.empty()) return results;

  // 3. Further rounds until some form is known or no rule applies.
  while (!forms.empty()) {
    forms = apply_rules(forms);
    if (auto results = known_forms(forms); !results.empty()) return results;
  }
  return {};
}

std::vector<WordNet::SynsetRef> WordNet::synsets(std::string_view word) const {
  // NLTK lowercases with str.lower; python_lower wants valid UTF-8, so
  // invalid bytes become U+FFFD first.
  const std::string lemma =
      utf8::is_valid(word) ? python_lower(word) : python_lower(utf8::encode(utf8::decode(word)));
  std::vector<SynsetRef> found;
  for (Pos pos : kAllPos) {
    for (const std::string& form : morphy(lemma, pos)) {
      const IndexEntry& entry = *db_->find(form);  // morphy only returns indexed forms
      const std::size_t p = index_of(pos);
      for (std::uint32_t i = 0; i < entry.count[p]; ++i) {
        found.push_back({pos, db_->offsets[entry.first[p] + i]});
      }
    }
  }
  return found;
}

// A data.<pos> record: "offset lex_filenum ss_type w_cnt word lex_id
// [word lex_id...] p_cnt ... | gloss". Only the words are read; the names
// appended are views into the data file text.
void WordNet::Database::append_lemma_names(SynsetRef s, std::vector<std::string_view>& names) const {
  const std::size_t p = index_of(s.pos);
  const std::string_view text = data_text[p].view();
  const auto error = [&](const std::string& what) {
    return InputError(data_path[p], 0, what + " (record at byte offset " + std::to_string(s.offset) + ")");
  };

  // NLTK reads a line from the offset and checks that it starts with the
  // offset written as eight digits; otherwise it has no synset there.
  char expected_start[9];
  if (s.offset >= text.size() || s.offset > 99999999 ||
      text.compare(s.offset, 8, std::string_view(expected_start, std::snprintf(expected_start, sizeof expected_start,
                                                                               "%08u", unsigned{s.offset}))) != 0) {
    throw error("no synset");
  }
  const std::size_t end = text.find('\n', s.offset);
  const std::string_view line = text.substr(s.offset, end == std::string_view::npos ? end : end - s.offset);
  // NLTK splits the record at "|" into exactly two parts, fields and gloss.
  const std::size_t bar = line.find('|');
  if (bar == std::string_view::npos || line.find('|', bar + 1) != std::string_view::npos) {
    throw error("garbled synset: expected one '|' before the gloss");
  }

  Tokens tokens(line.substr(0, bar));
  std::uint32_t offset = 0, lexicographer_file = 0, word_count = 0;
  Pos record_pos;
  if (!parse_integer(tokens.next(), offset) || offset != s.offset ||
      !parse_integer(tokens.next(), lexicographer_file) || !parse_pos_letter(tokens.next(), record_pos) ||
      !parse_integer(tokens.next(), word_count, 16)) {
    throw error("garbled synset");
  }
  for (std::uint32_t i = 0; i < word_count; ++i) {
    const std::string_view name = tokens.next();
    std::uint32_t lex_id = 0;
    if (name.empty() || !parse_integer(tokens.next(), lex_id, 16)) throw error("garbled synset word list");
    names.push_back(strip_syntactic_marker(name));
  }
}

std::vector<std::string> WordNet::lemma_names(SynsetRef s) const {
  std::vector<std::string_view> views;
  db_->append_lemma_names(s, views);
  return {views.begin(), views.end()};
}

std::vector<std::string> WordNet::synonyms(std::string_view word) const {
  std::vector<std::string_view> views;
  for (const SynsetRef& synset : synsets(word)) db_->append_lemma_names(synset, views);
  std::sort(views.begin(), views.end());
  views.erase(std::unique(views.begin(), views.end()), views.end());
  return {views.begin(), views.end()};
}

}  // namespace icma::text
