#pragma once
// The Porter stemmer exactly as NLTK 3.8 implements it:
// nltk.stem.porter.PorterStemmer() in its default mode NLTK_EXTENSIONS, and
// its stem(word) with to_lowercase=True. NLTK's METEOR stems with it, and our
// METEOR must agree with NLTK's to the last bit, so every deviation NLTK makes
// from Porter's paper is reproduced (see src/text/porter_stemmer.cpp).
//
// Python strings are sequences of code points, so the stemmer works on
// std::u32string: lengths, indexing and "is a consonant" all count code points
// (a non-ASCII letter is simply a consonant, as in NLTK). Lowercasing is
// Python's str.lower (icma::text::python_lower, icma/text/case.hpp).

#include <string>
#include <string_view>

namespace icma::text {

class PorterStemmer {
 public:
  // NLTK's PorterStemmer().stem(word). Invalid UTF-8 bytes are read as U+FFFD
  // (icma::utf8::decode), which Python could not have been given in a str.
  // Thread-safe: the stemmer has no state.
  std::string stem(std::string_view word_utf8) const;
  std::u32string stem(std::u32string_view word) const;
};

}  // namespace icma::text
