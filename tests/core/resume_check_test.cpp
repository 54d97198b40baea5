#include <gtest/gtest.h>

#include <filesystem>

#include "icma/core/error.hpp"
#include "icma/core/resume_check.hpp"
#include "icma/core/sha256.hpp"
#include "test_support.hpp"

namespace icma {
namespace {

TEST(ResumeCheck, NamesTheFirstDifferingSettingWithShortValues) {
  const nlohmann::json recorded = {{"lr", 2e-4}, {"lora", {{"alpha", 16}, {"r", 8}}}, {"data", std::string(64, 'a')}};
  EXPECT_NO_THROW(require_same_settings(recorded, recorded, "state.json", "restart"));
  nlohmann::json current = recorded;
  current["lora"]["alpha"] = 32;
  EXPECT_EQ(testing::input_error_message([&] { require_same_settings(recorded, current, "state.json", "--restart"); }),
            "state.json: the setting lora.alpha differs: the earlier run used 16, this one 32; --restart");
  current = recorded;
  current["data"] = std::string(64, 'b');
  EXPECT_NE(testing::input_error_message([&] { require_same_settings(recorded, current, "s", "r"); })
                .find("the earlier run used SHA-256 aaaaaaaaaaaa..., this one SHA-256 bbbbbbbbbbbb..."),
            std::string::npos);
  current = recorded;
  current["new"] = true;  // a setting the earlier run did not record
  EXPECT_NE(testing::input_error_message([&] { require_same_settings(recorded, current, "s", "r"); })
                .find("the setting new differs: the earlier run used nothing, this one true"),
            std::string::npos);
}

TEST(ResumeCheck, FileIdentitiesHashTheNamedFilesOrTheFile) {
  const std::string dir = testing::temp_dir() + "/identity";
  std::filesystem::create_directories(dir);
  testing::write_text(dir + "/config.json", "{}");
  const nlohmann::json identity = file_identities(dir, {"config.json", "absent.bin"});
  EXPECT_EQ(identity, nlohmann::json({{"config.json", sha256_hex("{}")}}));
  EXPECT_EQ(file_identities(dir + "/config.json", {}), identity);
}

}  // namespace
}  // namespace icma
