// Inputs HF tokenizers never sees (Rust strings are valid UTF-8): invalid
// bytes are read as U+FFFD, never a crash or an out-of-bounds read.

#include <gtest/gtest.h>

#include "icma/tokenizer/tokenizer.hpp"
#include "test_support.hpp"

namespace icma::tokenizer {
namespace {

TEST(TokenizerInput, InvalidUtf8IsReadAsReplacementCharacters) {
  for (const char* model : {"gpt2", "galactica-125m", "mistral-7b-v0.1"}) {
    const std::string dir = testing::shared_dir() + "/models/" + model;
    if (!testing::file_exists(dir + "/tokenizer.json")) GTEST_SKIP() << "no " << dir;
    const Tokenizer tokenizer = Tokenizer::load(dir);
    // A truncated 3-byte sequence at the very end, a stray continuation byte
    // and an overlong encoding: each invalid byte becomes one U+FFFD.
    const std::string broken = std::string("CC(=O)O \xE2\x82");
    const std::string repaired = std::string("CC(=O)O \xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_EQ(tokenizer.encode(broken), tokenizer.encode(repaired)) << model;
    EXPECT_EQ(tokenizer.encode("a\x80" "b\xC0\xAF"), tokenizer.encode("a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD"))
        << model;
  }
}

}  // namespace
}  // namespace icma::tokenizer
