// libFuzzer target: JSON configuration files — core's Config (typed lookups
// with file and key in errors) and the model config.json reader, every value
// range-checked (model/config.hpp; run by scripts/fuzz.sh). The input is the
// file. Only InputError may refuse it; an accepted model config must have
// sizes a model can be built from.

#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "icma/core/config.hpp"
#include "icma/model/config.hpp"

namespace {

using namespace icma;
constexpr const char* kTarget = "config_json_fuzz";

void check(const std::string& content) {
  const std::string path = fuzz::scratch_file("config.json", content);
  fuzz::only_input_errors(kTarget, [&] {
    const Config config = Config::load(path);
    (void)config.get_or<int>("epochs", 1);
    (void)config.get_or<double>("learning_rate", 1e-3);
    (void)config.get_or<std::string>("name", "");
    (void)config.get_or<std::vector<std::string>>("targets", {});
  });
  fuzz::only_input_errors(kTarget, [&] {
    const model::ModelConfig model = model::ModelConfig::load(path);
    if (model.vocab_size <= 0 || model.hidden_size <= 0 || model.num_layers <= 0 || model.num_heads <= 0 ||
        model.vocab_size > (int64_t{1} << 24) || model.hidden_size > (int64_t{1} << 24)) {
      fuzz::finding(kTarget, "a model config with unusable sizes was accepted");
    }
    (void)model.num_parameters();
    (void)model.weight_specs();
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
