#pragma once
// Range checks for numeric flags, where they are parsed: a value must be a
// finite number (no "nan", "inf") within the flag's bounds, else the command
// stops with one line naming the flag and exit code 2. CLI11's own
// PositiveNumber and Range let NaN through and print doubles in full (a
// 300-digit "1e300"); these print numbers short.

#include <limits>
#include <string>

#include <CLI/CLI.hpp>

namespace icma::cli {

// A number as messages show it: at most 10 significant digits ("1e+300").
std::string short_number(double value);

// A real number in [low, high]; an end is open when it is `excluded`.
CLI::Validator real(double low, double high = std::numeric_limits<double>::max(), bool low_excluded = false,
                    bool high_excluded = false);
// > 0, finite.
inline CLI::Validator positive_real(double high = std::numeric_limits<double>::max()) { return real(0, high, true); }
// A probability of dropping or skipping: [0, 1), as 1 would drop everything.
inline CLI::Validator fraction() { return real(0, 1, false, true); }
// A whole number in [low, high] (written without a fraction or exponent).
CLI::Validator whole(double low, double high);

}  // namespace icma::cli
