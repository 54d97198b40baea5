#pragma once
// How long texts are in tokens, as `icma-tokenize --count` prints it: count,
// total, min/mean/percentiles/max, a histogram of round bucket widths with a
// boundary at the token budget (so over-long texts stand apart), and the
// longest texts over the budget. Answers "why do my prompts exceed the
// cutoff?".

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace icma::tokenizer {

// `lengths[i]` is text i's token count; max_length 0 = no budget;
// `where(i)` names text i (e.g. "file:line") in the longest-texts list.
std::string length_report(const std::vector<std::size_t>& lengths, std::size_t max_length, std::size_t show_longest,
                          const std::function<std::string(std::size_t)>& where);

}  // namespace icma::tokenizer
