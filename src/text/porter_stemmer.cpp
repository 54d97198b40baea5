// NLTK 3.8's PorterStemmer (mode NLTK_EXTENSIONS), step by step.
//
// Each function below mirrors the NLTK method of the same name; comments
// point out where NLTK departs from Porter's paper (and so do we). All string
// positions are code points, as in Python.

#include "icma/text/porter_stemmer.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "icma/core/utf8.hpp"
#include "icma/text/case.hpp"

namespace icma::text {
namespace {

using Word = std::u32string;
using View = std::u32string_view;

// ---- Porter's definitions -----------------------------------------------------------

bool is_vowel_letter(char32_t c) { return c == U'a' || c == U'e' || c == U'i' || c == U'o' || c == U'u'; }

// NLTK's _is_consonant: a letter other than a, e, i, o, u, and other than a
// 'y' preceded by a consonant. NLTK recurses over a run of 'y's; we walk back
// over the run instead: each 'y' flips the answer of the letter before it.
bool is_consonant(View word, std::size_t i) {
  std::size_t flips = 0;
  while (word[i] == U'y' && i > 0) {
    --i;
    ++flips;
  }
  const bool base = word[i] == U'y' ? true : !is_vowel_letter(word[i]);
  return flips % 2 == 0 ? base : !base;
}

// m in [C](VC){m}[V]: NLTK counts "vc" in the word's c/v sequence.
int measure(View stem) {
  int m = 0;
  bool previous_is_vowel = false;
  for (std::size_t i = 0; i < stem.size(); ++i) {
    const bool consonant = is_consonant(stem, i);
    if (consonant && previous_is_vowel) ++m;
    previous_is_vowel = !consonant;
  }
  return m;
}

bool contains_vowel(View stem) {
  for (std::size_t i = 0; i < stem.size(); ++i) {
    if (!is_consonant(stem, i)) return true;
  }
  return false;
}

// *d
bool ends_double_consonant(View word) {
  const std::size_t n = word.size();
  return n >= 2 && word[n - 1] == word[n - 2] && is_consonant(word, n - 1);
}

// *o, plus NLTK's extension: a two-letter word vowel+consonant also counts.
bool ends_cvc(View word) {
  const std::size_t n = word.size();
  if (n >= 3 && is_consonant(word, n - 3) && !is_consonant(word, n - 2) &&
      is_consonant(word, n - 1) && word[n - 1] != U'w' && word[n - 1] != U'x' &&
      word[n - 1] != U'y') {
    return true;
  }
  return n == 2 && !is_consonant(word, 0) && is_consonant(word, 1);
}

bool ends_with(View word, View suffix) {
  return word.size() >= suffix.size() && word.substr(word.size() - suffix.size()) == suffix;
}

Word replace_suffix(View word, std::size_t suffix_length, View replacement) {
  Word out(word.substr(0, word.size() - suffix_length));
  out += replacement;
  return out;
}

// ---- NLTK's _apply_rule_list ----------------------------------------------------------

// The conditions NLTK attaches to its rules. Each is a function of the word
// the rule list is applied to and the stem left after removing the suffix.
enum class Condition {
  always,
  measure_above_0,
  measure_above_1,
  step1b_undouble,   // the last letter of the word is not l, s or z
  step1b_add_e,      // m(stem) == 1 and *o
  step1c_y_to_i,     // len(stem) > 1 and the stem ends with a consonant
  step2_logi,        // m(word[:-3]) > 0: the 'l' of -logi stays with the stem
  step4_ion,         // m(stem) > 1 and the stem ends with s or t
  step5b_ll,         // m(word[:-1]) > 1
};

struct Rule {
  View suffix;
  View replacement;
  Condition condition;
};

bool holds(Condition condition, View word, View stem) {
  switch (condition) {
    case Condition::always: return true;
    case Condition::measure_above_0: return measure(stem) > 0;
    case Condition::measure_above_1: return measure(stem) > 1;
    case Condition::step1b_undouble: return word.back() != U'l' && word.back() != U's' && word.back() != U'z';
    case Condition::step1b_add_e: return measure(stem) == 1 && ends_cvc(stem);
    case Condition::step1c_y_to_i: return stem.size() > 1 && is_consonant(stem, stem.size() - 1);
    case Condition::step2_logi: return measure(word.substr(0, word.size() - 3)) > 0;
    case Condition::step4_ion: return measure(stem) > 1 && (stem.back() == U's' || stem.back() == U't');
    case Condition::step5b_ll: return measure(word.substr(0, word.size() - 1)) > 1;
  }
  return false;
}

constexpr View kDoubleConsonant = U"*d";

// The first rule whose suffix the word ends with decides: if its condition
// fails, no later rule is tried. The pseudo-suffix "*d" means "ends with a
// double consonant"; when the word does not, NLTK goes on to test "*d" as a
// literal suffix too (so "a*d" loses its "*"), and so do we.
template <std::size_t N>
Word apply_rule_list(View word, const std::array<Rule, N>& rules) {
  for (const Rule& rule : rules) {
    if (rule.suffix == kDoubleConsonant && ends_double_consonant(word)) {
      const View stem = word.substr(0, word.size() - 2);
      if (holds(rule.condition, word, stem)) return Word(stem) + Word(rule.replacement);
      return Word(word);
    }
    if (ends_with(word, rule.suffix)) {
      const View stem = word.substr(0, word.size() - rule.suffix.size());
      if (holds(rule.condition, word, stem)) return Word(stem) + Word(rule.replacement);
      return Word(word);
    }
  }
  return Word(word);
}

// ---- the steps --------------------------------------------------------------------------

Word step1a(View word) {
  // NLTK: a four-letter "-ies" word keeps "ie" ("dies" -> "die", "flies" -> "fli").
  if (ends_with(word, U"ies") && word.size() == 4) return replace_suffix(word, 3, U"ie");
  static constexpr std::array<Rule, 4> rules{{
      {U"sses", U"ss", Condition::always},
      {U"ies", U"i", Condition::always},
      {U"ss", U"ss", Condition::always},
      {U"s", U"", Condition::always},
  }};
  return apply_rule_list(word, rules);
}

Word step1b(View word) {
  // NLTK: "-ied" becomes "ie" in four-letter words ("died") and "i" otherwise
  // ("spied"), before and instead of the paper's rules.
  if (ends_with(word, U"ied")) return replace_suffix(word, 3, word.size() == 4 ? U"ie" : U"i");

  if (ends_with(word, U"eed")) {
    const View stem = word.substr(0, word.size() - 3);
    return measure(stem) > 0 ? Word(stem) + U"ee" : Word(word);
  }

  View intermediate_stem;
  bool removed = false;
  for (View suffix : {View(U"ed"), View(U"ing")}) {
    if (ends_with(word, suffix)) {
      intermediate_stem = word.substr(0, word.size() - suffix.size());
      if (contains_vowel(intermediate_stem)) {
        removed = true;
        break;
      }
    }
  }
  if (!removed) return Word(word);

  // Undoubling replaces the double consonant by its last letter.
  const char32_t last_letter[1] = {intermediate_stem.back()};
  const std::array<Rule, 5> rules{{
      {U"at", U"ate", Condition::always},
      {U"bl", U"ble", Condition::always},
      {U"iz", U"ize", Condition::always},
      {kDoubleConsonant, View(last_letter, 1), Condition::step1b_undouble},
      {U"", U"e", Condition::step1b_add_e},
  }};
  return apply_rule_list(intermediate_stem, rules);
}

Word step1c(View word) {
  // NLTK's condition: y -> i only after a consonant that is not the whole
  // stem ("happy" -> "happi", "enjoy" and "by" stay).
  static constexpr std::array<Rule, 1> rules{{{U"y", U"i", Condition::step1c_y_to_i}}};
  return apply_rule_list(word, rules);
}

Word step2(View word) {
  // NLTK applies "-alli" -> "-al" first and, when it fires, runs step 2 again
  // on the result.
  if (ends_with(word, U"alli") && measure(word.substr(0, word.size() - 4)) > 0) {
    return step2(replace_suffix(word, 4, U"al"));
  }
  // NLTK's list: "bli" (Martin's extension, not the paper's "abli"), and
  // "fulli" and "logi" appended at the end.
  static constexpr std::array<Rule, 22> rules{{
      {U"ational", U"ate", Condition::measure_above_0},
      {U"tional", U"tion", Condition::measure_above_0},
      {U"enci", U"ence", Condition::measure_above_0},
      {U"anci", U"ance", Condition::measure_above_0},
      {U"izer", U"ize", Condition::measure_above_0},
      {U"bli", U"ble", Condition::measure_above_0},
      {U"alli", U"al", Condition::measure_above_0},
      {U"entli", U"ent", Condition::measure_above_0},
      {U"eli", U"e", Condition::measure_above_0},
      {U"ousli", U"ous", Condition::measure_above_0},
      {U"ization", U"ize", Condition::measure_above_0},
      {U"ation", U"ate", Condition::measure_above_0},
      {U"ator", U"ate", Condition::measure_above_0},
      {U"alism", U"al", Condition::measure_above_0},
      {U"iveness", U"ive", Condition::measure_above_0},
      {U"fulness", U"ful", Condition::measure_above_0},
      {U"ousness", U"ous", Condition::measure_above_0},
      {U"aliti", U"al", Condition::measure_above_0},
      {U"iviti", U"ive", Condition::measure_above_0},
      {U"biliti", U"ble", Condition::measure_above_0},
      {U"fulli", U"ful", Condition::measure_above_0},
      {U"logi", U"log", Condition::step2_logi},
  }};
  return apply_rule_list(word, rules);
}

Word step3(View word) {
  static constexpr std::array<Rule, 7> rules{{
      {U"icate", U"ic", Condition::measure_above_0},
      {U"ative", U"", Condition::measure_above_0},
      {U"alize", U"al", Condition::measure_above_0},
      {U"iciti", U"ic", Condition::measure_above_0},
      {U"ical", U"ic", Condition::measure_above_0},
      {U"ful", U"", Condition::measure_above_0},
      {U"ness", U"", Condition::measure_above_0},
  }};
  return apply_rule_list(word, rules);
}

Word step4(View word) {
  static constexpr std::array<Rule, 19> rules{{
      {U"al", U"", Condition::measure_above_1},
      {U"ance", U"", Condition::measure_above_1},
      {U"ence", U"", Condition::measure_above_1},
      {U"er", U"", Condition::measure_above_1},
      {U"ic", U"", Condition::measure_above_1},
      {U"able", U"", Condition::measure_above_1},
      {U"ible", U"", Condition::measure_above_1},
      {U"ant", U"", Condition::measure_above_1},
      {U"ement", U"", Condition::measure_above_1},
      {U"ment", U"", Condition::measure_above_1},
      {U"ent", U"", Condition::measure_above_1},
      {U"ion", U"", Condition::step4_ion},
      {U"ou", U"", Condition::measure_above_1},
      {U"ism", U"", Condition::measure_above_1},
      {U"ate", U"", Condition::measure_above_1},
      {U"iti", U"", Condition::measure_above_1},
      {U"ous", U"", Condition::measure_above_1},
      {U"ive", U"", Condition::measure_above_1},
      {U"ize", U"", Condition::measure_above_1},
  }};
  return apply_rule_list(word, rules);
}

Word step5a(View word) {
  // Both "-e" rules are tried (unlike a rule list): m > 1, or m == 1 and not *o.
  if (ends_with(word, U"e")) {
    const View stem = word.substr(0, word.size() - 1);
    const int m = measure(stem);
    if (m > 1 || (m == 1 && !ends_cvc(stem))) return Word(stem);
  }
  return Word(word);
}

Word step5b(View word) {
  static constexpr std::array<Rule, 1> rules{{{U"ll", U"l", Condition::step5b_ll}}};
  return apply_rule_list(word, rules);
}

// NLTK's pool of irregular forms (form -> stem).
struct IrregularForm {
  View form;
  View stem;
};
constexpr std::array<IrregularForm, 16> kIrregularForms{{
    {U"sky", U"sky"}, {U"skies", U"sky"}, {U"dying", U"die"}, {U"lying", U"lie"},
    {U"tying", U"tie"}, {U"news", U"news"}, {U"innings", U"inning"}, {U"inning", U"inning"},
    {U"outings", U"outing"}, {U"outing", U"outing"}, {U"cannings", U"canning"},
    {U"canning", U"canning"}, {U"howe", U"howe"}, {U"proceed", U"proceed"},
    {U"exceed", U"exceed"}, {U"succeed", U"succeed"},
}};

// NLTK's stem(word): `word` as given, `lowered` = word.lower().
Word stem_word(View word, Word lowered) {
  // NLTK looks the word up in its pool as given (not lowercased), so "Sky"
  // is stemmed by the rules while "sky" is not.
  for (const IrregularForm& irregular : kIrregularForms) {
    if (word == irregular.form) return Word(irregular.stem);
  }

  // NLTK (not the paper): words of at most two code points, counted before
  // lowercasing, are only lowercased.
  if (word.size() <= 2) return lowered;

  Word stem = step1a(lowered);
  stem = step1b(stem);
  stem = step1c(stem);
  stem = step2(stem);
  stem = step3(stem);
  stem = step4(stem);
  stem = step5a(stem);
  stem = step5b(stem);
  return stem;
}

}  // namespace

std::u32string PorterStemmer::stem(std::u32string_view word) const {
  return stem_word(word, utf8::decode(python_lower(utf8::encode(word))));
}

std::string PorterStemmer::stem(std::string_view word_utf8) const {
  // python_lower wants valid UTF-8; invalid bytes become U+FFFD first.
  if (!utf8::is_valid(word_utf8)) return utf8::encode(stem(utf8::decode(word_utf8)));
  return utf8::encode(stem_word(utf8::decode(word_utf8), utf8::decode(python_lower(word_utf8))));
}

}  // namespace icma::text
