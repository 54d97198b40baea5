// libFuzzer target: prompt files (prompt/prompt_file.hpp, the one reader of
// icma-prompt's JSONL; run by scripts/fuzz.sh). The first byte picks which
// fields are required, the rest is the file. Only InputError may refuse it;
// what is accepted must write and read back the same.

#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz_support.hpp"
#include "icma/prompt/prompt_file.hpp"

namespace {

using namespace icma;
constexpr const char* kTarget = "prompt_jsonl_fuzz";

void check(const std::string& content, std::uint8_t flags) {
  const prompt::PromptFields required{(flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0};
  std::istringstream in(content);
  const auto records = prompt::read_prompt_stream(in, "<fuzz>", required);
  const std::string copy = fuzz::scratch_dir() + "/copy.jsonl";
  prompt::write_prompt_file(copy, records);
  const auto again = prompt::read_prompt_file(copy);
  if (again.size() != records.size()) fuzz::finding(kTarget, "the records did not round-trip");
  for (std::size_t i = 0; i < again.size(); ++i) {
    if (again[i].id != records[i].id || again[i].prompt != records[i].prompt || again[i].target != records[i].target ||
        again[i].task != records[i].task) {
      fuzz::finding(kTarget, "record " + std::to_string(i) + " did not round-trip");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string content(reinterpret_cast<const char*>(data) + 1, size - 1);
  fuzz::only_input_errors(kTarget, [&] { check(content, data[0]); });
  return 0;
}
