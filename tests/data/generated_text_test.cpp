#include <gtest/gtest.h>

#include "icma/data/generated_text.hpp"

namespace icma::data {
namespace {

TEST(GeneratedText, NormalTextIsUnchanged) {
  for (const char* text : {"The molecule is ethanol.", "C[C@H](N)C(=O)O", "caf\xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80", ""}) {
    EXPECT_EQ(sanitise_generated_text(text), text);
  }
}

TEST(GeneratedText, ControlCharactersBecomeSpaces) {
  EXPECT_EQ(sanitise_generated_text("CC\rO"), "CC O");
  EXPECT_EQ(sanitise_generated_text(std::string("a\0b", 3)), "a b");
  EXPECT_EQ(sanitise_generated_text("a\tb\nc\x7f" "d\x1b" "e"), "a b c d e");
  EXPECT_EQ(sanitise_generated_text("a\xc2\x85" "b\xe2\x80\xa8" "c\xe2\x80\xa9" "d"), "a b c d");  // NEL, LS, PS
  EXPECT_EQ(sanitise_generated_text("\r\nCCO\r\n"), "CCO");
}

TEST(GeneratedText, InvalidUtf8BecomesReplacementCharactersAndABomIsDropped) {
  EXPECT_EQ(sanitise_generated_text("a\xff" "b"), "a\xef\xbf\xbd" "b");
  EXPECT_EQ(sanitise_generated_text("a\xe4\xb8"), "a\xef\xbf\xbd\xef\xbf\xbd");  // cut sequence
  EXPECT_EQ(sanitise_generated_text("\xef\xbb\xbf" "CCO"), "CCO");
  EXPECT_EQ(sanitise_generated_text("C\xef\xbb\xbf" "O"), "C\xef\xbb\xbf" "O");  // inside: a character like any other
}

TEST(GeneratedText, IsIdempotent) {
  for (const char* text : {" \xef\xbb\xbf \xef\xbb\xbf x\r", "\xff\xfe\r\n", "\t\t"}) {
    const std::string once = sanitise_generated_text(text);
    EXPECT_EQ(sanitise_generated_text(once), once);
  }
}

}  // namespace
}  // namespace icma::data
