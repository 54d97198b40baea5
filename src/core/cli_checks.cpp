#include "icma/core/cli_checks.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace icma::cli {
namespace {

// The user's text as a message quotes it: short, whatever they typed.
std::string quoted(const std::string& text) {
  return "'" + (text.size() > 24 ? text.substr(0, 21) + "..." : text) + "'";
}

std::string interval(double low, double high, bool low_excluded, bool high_excluded) {
  if (high == std::numeric_limits<double>::max()) {
    return std::string(low_excluded ? "> " : ">= ") + short_number(low);
  }
  return (low_excluded ? "in (" : "in [") + short_number(low) + ", " + short_number(high) + (high_excluded ? ")" : "]");
}

// Parses `text` as a number; returns "" or what is wrong with it.
std::string check(const std::string& text, double low, double high, bool low_excluded, bool high_excluded,
                  bool integer) {
  const char* begin = text.c_str();
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(begin, &end);
  const bool parsed = end != begin && *end == '\0' && text.find_first_of(" \t") == std::string::npos;
  const std::string kind = integer ? "a whole number " : "a number ";
  const std::string range = interval(low, high, low_excluded, high_excluded);
  if (!parsed) return "must be " + kind + range + ", got " + quoted(text);
  if (!std::isfinite(value)) return "must be a finite number, got " + quoted(text);
  if (integer && text.find_first_of(".eExXpP") != std::string::npos) {
    return "must be " + kind + range + ", got " + quoted(text);
  }
  if (value < low || value > high || (low_excluded && value == low) || (high_excluded && value == high)) {
    return "must be " + range + ", got " +
           (text.size() > 12 ? short_number(value) : text);
  }
  return "";
}

}  // namespace

std::string short_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.10g", value);
  return text;
}

CLI::Validator real(double low, double high, bool low_excluded, bool high_excluded) {
  return CLI::Validator([=](std::string& text) { return check(text, low, high, low_excluded, high_excluded, false); },
                        interval(low, high, low_excluded, high_excluded));
}

CLI::Validator whole(double low, double high) {
  return CLI::Validator([=](std::string& text) { return check(text, low, high, false, false, true); },
                        interval(low, high, false, false));
}

}  // namespace icma::cli
