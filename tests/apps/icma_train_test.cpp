// icma-train end to end: a tiny model from `icma-train init` learns from
// ChEBI-20 prompts, survives kill -9, and trains the same in two Gloo
// processes as in one.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "icma/core/atomic_file.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using icma::testing::run_command;

// The float32 tensors of a safetensors file (read by hand: this test binary
// does not link LibTorch).
std::map<std::string, std::vector<float>> read_f32_tensors(const std::string& path) {
  const std::string bytes = icma::read_file(path);
  uint64_t size = 0;
  std::memcpy(&size, bytes.data(), 8);
  const nlohmann::json header = nlohmann::json::parse(bytes.substr(8, size));
  std::map<std::string, std::vector<float>> tensors;
  for (const auto& [name, spec] : header.items()) {
    if (name == "__metadata__") continue;
    const uint64_t begin = spec["data_offsets"][0], end = spec["data_offsets"][1];
    std::vector<float> values((end - begin) / 4);
    std::memcpy(values.data(), bytes.data() + 8 + size + begin, end - begin);
    tensors[name] = std::move(values);
  }
  return tensors;
}

// A tiny model and zero-shot ChEBI-20 prompts, made once for all tests.
class IcmaTrain : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(icma::testing::temp_dir() + "/icma-train");
    fs::create_directories(*dir_);
    const std::string data = icma::testing::shared_dir() + "/data/chebi20/validation.txt";
    ASSERT_TRUE(fs::exists(data)) << data;
    // 64 training and 16 validation rows of ChEBI-20 validation.
    std::ifstream in(data);
    std::string line, header, train, valid;
    std::getline(in, header);
    for (int i = 0; i < 80 && std::getline(in, line); ++i) (i < 64 ? train : valid) += line + "\n";
    icma::testing::write_text(*dir_ + "/train.tsv", header + "\n" + train);
    icma::testing::write_text(*dir_ + "/valid.tsv", header + "\n" + valid);
    const std::string config = std::string(ICMA_SOURCE_DIR) + "/configs/models/tiny-llama.json";
    ASSERT_EQ(run_command("icma-train", "init --config " + config + " --out " + *dir_ + "/tiny --seed 3").exit_code, 0);
    const std::string templates = std::string(ICMA_SOURCE_DIR) + "/configs/prompts/icma.json";
    for (const char* split : {"train", "valid"}) {
      const auto made = run_command("icma-prompt", std::string("--task mol2cap --zero-shot --template ") + templates +
                                                       " --dataset " + *dir_ + "/" + split + ".tsv --corpus " + *dir_ +
                                                       "/train.tsv --out " + *dir_ + "/" + split + ".jsonl");
      ASSERT_EQ(made.exit_code, 0) << made.output;
    }
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::string train_flags(const std::string& out) {
    return "--model " + *dir_ + "/tiny --train " + *dir_ + "/train.jsonl --out " + out +
           " --global-batch 8 --micro-batch 4 --cutoff-len 160 --lr 2e-3 --threads 1";
  }
  static std::string* dir_;
};
std::string* IcmaTrain::dir_ = nullptr;

TEST_F(IcmaTrain, ValidationLossFallsAndTheAdapterIsPeft) {
  const std::string out = *dir_ + "/learn";
  const auto result = run_command("icma-train", train_flags(out) + " --valid " + *dir_ + "/valid.jsonl --max-steps 16 --warmup-steps 2");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  const nlohmann::json summary = nlohmann::json::parse(result.output.substr(result.output.rfind("{\"")));
  EXPECT_LT(summary["final_eval_loss"].get<double>(), summary["first_eval_loss"].get<double>() - 0.5) << summary;
  EXPECT_TRUE(fs::exists(out + "/adapter_config.json"));
  EXPECT_TRUE(fs::exists(out + "/adapter_model.safetensors"));
  EXPECT_TRUE(fs::exists(out + "/checkpoint-16/optimizer.pt"));
  // The log: one line per step, evaluations at 0 and 16.
  const std::string log = icma::read_file(out + "/train_log.jsonl");
  EXPECT_NE(log.find("\"step\":0"), std::string::npos);
  EXPECT_NE(log.find("\"tokens_per_second\""), std::string::npos);

  const auto merged = run_command("icma-train", "merge --model " + *dir_ + "/tiny --adapter " + out + " --out " + *dir_ + "/merged");
  ASSERT_EQ(merged.exit_code, 0) << merged.output;
  EXPECT_TRUE(fs::exists(*dir_ + "/merged/tokenizer.json"));
}

TEST_F(IcmaTrain, KillDashNineThenResumeIsBitIdentical) {
  const std::string straight = *dir_ + "/straight";
  ASSERT_EQ(run_command("icma-train", train_flags(straight) + " --max-steps 8 --save-steps 2").exit_code, 0);

  // Killed without warning as soon as a checkpoint exists, then resumed.
  const std::string killed = *dir_ + "/killed";
  const std::string command = std::string(ICMA_BIN_DIR) + "/icma-train " + train_flags(killed) +
                              " --max-steps 8 --save-steps 2 >/dev/null 2>&1 & pid=$!; "
                              "while [ ! -d " + killed + "/checkpoint-4 ] && kill -0 $pid 2>/dev/null; do sleep 0.02; done; "
                              "kill -9 $pid; wait $pid; exit 0";
  ASSERT_EQ(std::system(("bash -c '" + command + "'").c_str()), 0);
  ASSERT_FALSE(fs::exists(killed + "/adapter_model.safetensors")) << "the run finished before it could be killed";
  const auto resumed = run_command("icma-train", train_flags(killed) + " --max-steps 8 --save-steps 2 --resume");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming from"), std::string::npos) << resumed.output;
  EXPECT_EQ(icma::read_file(straight + "/adapter_model.safetensors"), icma::read_file(killed + "/adapter_model.safetensors"));
}

TEST_F(IcmaTrain, TwoGlooProcessesEqualOneProcess) {
  const std::string flags = " --max-steps 3 --lora-dropout 0";
  const std::string single = *dir_ + "/single";
  ASSERT_EQ(run_command("icma-train", train_flags(single) + flags).exit_code, 0);
  const std::string pair = *dir_ + "/pair";
  const std::string rank = "WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29517 " + std::string(ICMA_BIN_DIR) +
                           "/icma-train " + train_flags(pair) + flags;
  const std::string command = "RANK=1 " + rank + " >" + *dir_ + "/rank1.log 2>&1 & RANK=0 " + rank + " >" + *dir_ +
                              "/rank0.log 2>&1; first=$?; wait $!; exit $((first + $?))";
  ASSERT_EQ(std::system(("bash -c '" + command + "'").c_str()), 0) << icma::read_file(*dir_ + "/rank0.log");
  const auto one = read_f32_tensors(single + "/adapter_model.safetensors");
  const auto two = read_f32_tensors(pair + "/adapter_model.safetensors");
  ASSERT_EQ(one.size(), two.size());
  double worst = 0, largest = 0;
  for (const auto& [name, values] : one) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      worst = std::max(worst, std::abs(static_cast<double>(values[i]) - two.at(name)[i]));
      largest = std::max(largest, std::abs(static_cast<double>(values[i])));
    }
  }
  EXPECT_LT(worst, 1e-6);
  EXPECT_GT(largest, 0.0);
}

TEST_F(IcmaTrain, BadInputIsExitTwoWithFileAndLine) {
  auto result = run_command("icma-train", "--train x.jsonl --out y");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("--model is required"), std::string::npos) << result.output;
  icma::testing::write_text(*dir_ + "/bad.jsonl",
                            "{\"id\": \"1\", \"task\": \"mol2cap\", \"prompt\": \"a\", \"target\": \"b\"}\n{\"prompt\": 3}\n");
  result = run_command("icma-train", "--model " + *dir_ + "/tiny --train " + *dir_ + "/bad.jsonl --out " + *dir_ + "/bad");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.output.find("bad.jsonl:2: "), std::string::npos) << result.output;
}

TEST_F(IcmaTrain, ResumeRefusesAnEarlierRunWithOtherSettingsNamingTheSetting) {
  const std::string out = *dir_ + "/mixed";
  const std::string flags = train_flags(out) + " --max-steps 4 --save-steps 2";
  const auto first = run_command("icma-train", flags + " --stop-after 2");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  ASSERT_TRUE(fs::exists(out + "/checkpoint-2"));
  // The same prompts with one target changed: same row count, other data.
  std::string other = icma::read_file(*dir_ + "/train.jsonl");
  other.replace(other.find("The molecule"), 12, "Some molecule");
  icma::testing::write_text(*dir_ + "/other-train.jsonl", other);
  // Another base model of the same shape.
  const std::string config = std::string(ICMA_SOURCE_DIR) + "/configs/models/tiny-llama.json";
  if (!fs::exists(*dir_ + "/tiny-other")) {
    ASSERT_EQ(run_command("icma-train", "init --config " + config + " --out " + *dir_ + "/tiny-other --seed 4").exit_code, 0);
  }
  const std::pair<std::string, std::string> cases[] = {
      {" --lora-alpha 32", "the setting lora_alpha differs: the earlier run used 16.0, this one 32.0"},
      {" --lora-dropout 0.1", "the setting lora_dropout differs"},
      {" --schedule cosine", "the setting schedule differs: the earlier run used linear, this one cosine"},
      {" --weight-decay 0.01", "the setting weight_decay differs"},
      {" --warmup-steps 1", "the setting warmup_steps differs"},
      {" --train-on-inputs", "the setting inputs.train_on_inputs differs"},
      {" --seed 7", "the setting seed differs"},
  };
  for (const auto& [change, message] : cases) {
    const auto resumed = run_command("icma-train", flags + change + " --resume");
    EXPECT_EQ(resumed.exit_code, 2) << change << resumed.output;
    EXPECT_NE(resumed.output.find(message), std::string::npos) << change << resumed.output;
    EXPECT_NE(resumed.output.find("--restart starts over"), std::string::npos) << resumed.output;
  }
  std::string other_data = flags + " --resume";
  other_data.replace(other_data.find(*dir_ + "/train.jsonl"), (*dir_ + "/train.jsonl").size(), *dir_ + "/other-train.jsonl");
  auto resumed = run_command("icma-train", other_data);
  EXPECT_EQ(resumed.exit_code, 2) << resumed.output;
  EXPECT_NE(resumed.output.find("the setting inputs.train_data differs"), std::string::npos) << resumed.output;
  std::string other_model = flags + " --resume";
  other_model.replace(other_model.find(*dir_ + "/tiny"), (*dir_ + "/tiny").size(), *dir_ + "/tiny-other");
  resumed = run_command("icma-train", other_model);
  EXPECT_EQ(resumed.exit_code, 2) << resumed.output;
  EXPECT_NE(resumed.output.find("the setting inputs.base_model.model.safetensors differs"), std::string::npos)
      << resumed.output;

  // Neither --resume nor --restart: the earlier run is not silently overwritten.
  const auto neither = run_command("icma-train", flags);
  EXPECT_EQ(neither.exit_code, 2) << neither.output;
  EXPECT_NE(neither.output.find("holds an earlier training run (checkpoint-2); --resume continues it, --restart"),
            std::string::npos)
      << neither.output;
  // --restart starts over with the new settings; the same settings resume.
  const auto restarted = run_command("icma-train", flags + " --lora-alpha 32 --restart");
  ASSERT_EQ(restarted.exit_code, 0) << restarted.output;
  EXPECT_EQ(restarted.output.find("resuming from"), std::string::npos) << restarted.output;
  EXPECT_TRUE(fs::exists(out + "/adapter_model.safetensors"));
  EXPECT_FALSE(fs::exists(out + "/checkpoint-2/trainer_state.json.tmp"));
  const auto again = run_command("icma-train", flags + " --lora-alpha 32 --resume");
  EXPECT_EQ(again.exit_code, 0) << again.output;
}

TEST_F(IcmaTrain, OutputDirectoryOfOtherFilesIsRefused) {
  const std::string out = *dir_ + "/not-a-run";
  fs::create_directories(out);
  icma::testing::write_text(out + "/thesis.tex", "precious");
  const auto result = run_command("icma-train", train_flags(out) + " --max-steps 1");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("does not hold a training run"), std::string::npos) << result.output;
  EXPECT_EQ(icma::read_file(out + "/thesis.tex"), "precious");
  // merge and init do not write into it either.
  const auto init = run_command("icma-train", "init --config " + std::string(ICMA_SOURCE_DIR) +
                                                  "/configs/models/tiny-llama.json --out " + out);
  EXPECT_EQ(init.exit_code, 2) << init.output;
  EXPECT_NE(init.output.find("does not hold a model directory"), std::string::npos) << init.output;
}

TEST_F(IcmaTrain, ADamagedCheckpointIsNamedNotLoaded) {
  const std::string out = *dir_ + "/damaged";
  const std::string flags = train_flags(out) + " --max-steps 4 --save-steps 2";
  ASSERT_EQ(run_command("icma-train", flags + " --stop-after 2").exit_code, 0);
  const std::string optimizer = out + "/checkpoint-2/optimizer.pt";
  std::string bytes = icma::read_file(optimizer);
  for (std::size_t i = bytes.size() / 3; i < bytes.size() / 3 + 64; ++i) bytes[i] = '\xff';
  icma::testing::write_text(optimizer, bytes);
  auto resumed = run_command("icma-train", flags + " --resume");
  EXPECT_EQ(resumed.exit_code, 2) << resumed.output;
  EXPECT_NE(resumed.output.find("checkpoint-2/optimizer.pt: its SHA-256 differs from the one recorded when it was "
                                "written; the checkpoint is damaged"),
            std::string::npos)
      << resumed.output;
  EXPECT_EQ(resumed.output.find("Exception raised from"), std::string::npos) << resumed.output;
  // Without its checksums (a checkpoint of an older icma), LibTorch's own
  // error is caught and the file named, on one line.
  nlohmann::json state = nlohmann::json::parse(icma::read_file(out + "/checkpoint-2/trainer_state.json"));
  state.erase("files");
  icma::testing::write_text(out + "/checkpoint-2/trainer_state.json", state.dump());
  icma::testing::write_text(optimizer, "not a zip archive");
  resumed = run_command("icma-train", flags + " --resume");
  EXPECT_EQ(resumed.exit_code, 2) << resumed.output;
  EXPECT_NE(resumed.output.find("optimizer.pt: unreadable optimizer state"), std::string::npos) << resumed.output;
  EXPECT_EQ(resumed.output.find("Exception raised from"), std::string::npos) << resumed.output;
}

}  // namespace
