#pragma once
// Case mapping with Python's str.lower() semantics: full Unicode lowercase
// mappings (U+0130 -> "i" U+0307) and the final-sigma rule, via ICU's root
// locale, which implements the same Unicode rules.

#include <string>
#include <string_view>

namespace icma::text {

// `text` must be valid UTF-8.
std::string python_lower(std::string_view text);

}  // namespace icma::text
