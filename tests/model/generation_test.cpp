// generate() against Hugging Face's generate transcribed into python3-torch
// (tests/reference/generate_reference.py over tests/reference/causal_lm.py,
// fixture tests/fixtures/generation_reference.json): greedy, sampling and beam
// search token for token, with and without the KV cache; batched left-padded
// generation equal to one prompt at a time; EOS, stop strings, the context
// limit, scoring and bad input.

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>

#include "../../src/model/beam_search.hpp"
#include "icma/core/error.hpp"
#include "icma/model/causal_lm.hpp"
#include "icma/model/generation.hpp"
#include "test_support.hpp"

namespace icma::model {
namespace {

const nlohmann::json& reference() {
  static const nlohmann::json json = testing::load_json(testing::fixture_path("generation_reference.json"));
  return json;
}

CausalLM& tiny(const std::string& name) {
  static std::map<std::string, std::unique_ptr<CausalLM>> models;
  auto& model = models[name];
  if (!model) model = CausalLM::load(testing::fixture_path("models/" + name));
  return *model;
}

GenerationOptions options_of(const nlohmann::json& o) {
  GenerationOptions options;
  options.max_new_tokens = o.value("max_new_tokens", 16);
  options.do_sample = o.value("do_sample", false);
  options.temperature = o.value("temperature", 1.0);
  options.top_k = o.value("top_k", 50);
  options.top_p = o.value("top_p", 1.0);
  options.repetition_penalty = o.value("repetition_penalty", 1.0);
  options.num_beams = o.value("num_beams", 1);
  options.length_penalty = o.value("length_penalty", 1.0);
  const std::string stopping = o.value("early_stopping", std::string("heuristic"));
  options.early_stopping = stopping == "first"   ? EarlyStopping::kFirst
                           : stopping == "never" ? EarlyStopping::kNever
                                                 : EarlyStopping::kHeuristic;
  options.eos_token_ids = o.value("eos_token_ids", std::vector<int64_t>{});
  options.pad_token_id = o.value("pad_token_id", int64_t{0});
  options.row_seeds = o.value("row_seeds", std::vector<uint64_t>{});
  return options;
}

using Prompts = std::vector<std::vector<int64_t>>;

void expect_reference(const std::vector<Generated>& results, const nlohmann::json& expected) {
  ASSERT_EQ(results.size(), expected.size());
  for (std::size_t row = 0; row < results.size(); ++row) {
    SCOPED_TRACE("row " + std::to_string(row));
    EXPECT_EQ(results[row].tokens, expected[row].at("tokens").get<std::vector<int64_t>>());
    EXPECT_EQ(finish_reason_name(results[row].finish), expected[row].at("finish").get<std::string>());
    EXPECT_NEAR(results[row].score, expected[row].at("score").get<double>(), 1e-4);
  }
}

TEST(Generation, MatchesHuggingFaceReferenceWithAndWithoutCache) {
  ASSERT_GE(reference().at("cases").size(), 10u);
  for (const auto& c : reference().at("cases")) {
    for (const bool cache : {true, false}) {
      SCOPED_TRACE(c.at("name").get<std::string>() + (cache ? ", cache" : ", no cache"));
      GenerationOptions options = options_of(c.at("options"));
      options.use_cache = cache;
      const auto results = generate(tiny(c.at("model")), c.at("prompts").get<Prompts>(), options);
      expect_reference(results, c.at("expected"));
    }
  }
}

TEST(Generation, BatchedLeftPaddedEqualsOneByOne) {
  for (const auto& c : reference().at("cases")) {
    SCOPED_TRACE(c.at("name").get<std::string>());
    const Prompts prompts = c.at("prompts").get<Prompts>();
    const GenerationOptions options = options_of(c.at("options"));
    const auto batched = generate(tiny(c.at("model")), prompts, options);
    for (std::size_t i = 0; i < prompts.size(); ++i) {
      GenerationOptions single = options;
      if (!options.row_seeds.empty()) single.row_seeds = {options.row_seeds[i]};
      const auto alone = generate(tiny(c.at("model")), {prompts[i]}, single);
      EXPECT_EQ(alone[0].tokens, batched[i].tokens) << "prompt " << i;
      EXPECT_EQ(alone[0].finish, batched[i].finish) << "prompt " << i;
      EXPECT_NEAR(alone[0].score, batched[i].score, 1e-4) << "prompt " << i;
    }
  }
}

// A random Llama bigger than the fixtures' (CausalLM::random), for longer answers.
std::unique_ptr<CausalLM> random_llama(uint64_t seed) {
  const ModelConfig config = ModelConfig::from_json(
      nlohmann::json{{"model_type", "llama"}, {"vocab_size", 300}, {"hidden_size", 64}, {"intermediate_size", 128},
                     {"num_hidden_layers", 2}, {"num_attention_heads", 4}, {"num_key_value_heads", 2},
                     {"max_position_embeddings", 256}, {"initializer_range", 0.5}},
      "test config");
  return CausalLM::random(config, seed);
}

// The cache path and the full recomputation agree token for token.
TEST(Generation, GreedyWithCacheEqualsWithoutOnARandomModel) {
  const auto model = random_llama(7);
  const Prompts prompts = {{5, 6, 7, 8, 9, 10, 11}, {40, 41}, {100, 7, 250, 3}};
  GenerationOptions options;
  options.max_new_tokens = 48;
  const auto cached = generate(*model, prompts, options);
  options.use_cache = false;
  const auto recomputed = generate(*model, prompts, options);
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_EQ(cached[i].tokens.size(), 48u);
    EXPECT_EQ(cached[i].tokens, recomputed[i].tokens) << "prompt " << i;
  }
}

// token_filter (HF's prefix_allowed_tokens_fn, told what is banned): a banned
// token never appears, the filter sees each row's prompt index and its new
// tokens so far, and banning nothing changes nothing; greedy and beam search.
TEST(Generation, TokenFilterBansTokens) {
  const auto model = random_llama(11);
  const Prompts prompts = {{5, 6, 7}, {40, 41, 42, 43}};
  for (const int64_t beams : {int64_t{1}, int64_t{3}}) {
    SCOPED_TRACE("beams " + std::to_string(beams));
    GenerationOptions options;
    options.max_new_tokens = 12;
    options.num_beams = beams;
    const auto free = generate(*model, prompts, options);
    // Ban, for each row, every token its unconstrained answer used.
    std::vector<std::vector<int64_t>> used;
    for (const Generated& g : free) used.push_back(g.tokens);
    std::vector<std::size_t> calls(prompts.size(), 0);
    options.token_filter = [&](std::size_t row, const std::vector<int64_t>& generated) {
      EXPECT_LT(row, prompts.size());
      EXPECT_LE(generated.size(), 12u);
      ++calls[row];
      return used[row];
    };
    const auto banned = generate(*model, prompts, options);
    for (std::size_t row = 0; row < prompts.size(); ++row) {
      EXPECT_GT(calls[row], 0u);
      ASSERT_FALSE(banned[row].tokens.empty());
      for (int64_t token : banned[row].tokens) {
        EXPECT_EQ(std::count(used[row].begin(), used[row].end(), token), 0) << "row " << row << " token " << token;
      }
    }
    options.token_filter = [](std::size_t, const std::vector<int64_t>&) { return std::vector<int64_t>{-1, 1000}; };
    const auto unchanged = generate(*model, prompts, options);  // ids outside the vocabulary are ignored
    for (std::size_t row = 0; row < prompts.size(); ++row) EXPECT_EQ(unchanged[row].tokens, free[row].tokens);
  }
}

// Stop strings: the text of the tokens so far (here one letter per token)
// containing the string ends the row, at the token that completed it.
TEST(Generation, StopStrings) {
  const Prompts prompts = {{5, 17, 33, 40}, {8, 9}};
  GenerationOptions options;
  options.max_new_tokens = 20;
  const auto plain = generate(tiny("llama"), prompts, options);
  const auto letters = [](const std::vector<int64_t>& tokens) {
    std::string text;
    for (int64_t t : tokens) text += static_cast<char>('0' + t % 64);
    return text;
  };
  options.decode = letters;
  // Row 0's tokens 3..4 as a stop string; row 1 must not contain it.
  const std::string stop = letters({plain[0].tokens[3], plain[0].tokens[4]});
  options.stop_strings = {stop};
  const auto stopped = generate(tiny("llama"), prompts, options);
  const std::size_t first = letters(plain[0].tokens).find(stop);
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(stopped[0].finish, FinishReason::kStopString);
  EXPECT_EQ(stopped[0].tokens, std::vector<int64_t>(plain[0].tokens.begin(), plain[0].tokens.begin() + first + 2));
  if (letters(plain[1].tokens).find(stop) == std::string::npos) {
    EXPECT_EQ(stopped[1].tokens, plain[1].tokens);
    EXPECT_EQ(stopped[1].finish, FinishReason::kMaxNewTokens);
  }
  // Beam search: a candidate completing the stop string is a finished hypothesis.
  options.num_beams = 2;
  options.stop_strings = {letters({plain[0].tokens[0]})};
  const auto beams = generate(tiny("llama"), {prompts[0]}, options);
  EXPECT_EQ(beams[0].finish, FinishReason::kStopString);
  EXPECT_NE(letters(beams[0].tokens).find(options.stop_strings[0]), std::string::npos);
}

TEST(Generation, EosEndsTheRowAndIsKept) {
  const Prompts prompts = {{5, 17, 33, 40}};
  GenerationOptions options;
  options.max_new_tokens = 10;
  const auto plain = generate(tiny("llama"), prompts, options);
  const int64_t eos = plain[0].tokens[6];
  options.eos_token_ids = {95, eos};
  const auto ended = generate(tiny("llama"), prompts, options);
  // The row ends at the first occurrence of the EOS token, which it keeps.
  const auto first = std::find(plain[0].tokens.begin(), plain[0].tokens.end(), eos);
  EXPECT_EQ(ended[0].finish, FinishReason::kEos);
  EXPECT_EQ(ended[0].tokens, std::vector<int64_t>(plain[0].tokens.begin(), first + 1));
  // HF's sequences: finished rows continue with padding.
  const torch::Tensor padded = padded_tokens({ended[0], plain[0]}, 0);
  EXPECT_EQ(padded.size(1), 10);
  EXPECT_EQ(padded[0][9].item<int64_t>(), 0);
}

TEST(Generation, ContextLimit) {
  // opt-galactica has 64 positions: a 60-token prompt gets 4 new tokens, then stops.
  const Prompts prompts = {std::vector<int64_t>(60, 7), {9, 10}};
  GenerationOptions options;
  options.max_new_tokens = 10;
  const auto results = generate(tiny("opt-galactica"), prompts, options);
  EXPECT_EQ(results[0].tokens.size(), 4u);
  EXPECT_EQ(results[0].finish, FinishReason::kContextFull);
  EXPECT_EQ(results[1].tokens.size(), 10u);
  // Longer than the context: an input error, naming the prompt.
  try {
    generate(tiny("opt-galactica"), {{1, 2}, std::vector<int64_t>(65, 7)}, options);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "prompt 2 has 65 tokens, more than the model's context of 64");
  }
}

TEST(Generation, BadInputIsAnInputError) {
  GenerationOptions options;
  EXPECT_THROW(generate(tiny("llama"), {{}}, options), InputError);
  EXPECT_THROW(generate(tiny("llama"), {{1, 96}}, options), InputError);  // vocabulary of 96
  EXPECT_THROW(generate(tiny("llama"), {{1, -1}}, options), InputError);
  options.num_beams = 2;
  options.do_sample = true;
  EXPECT_THROW(generate(tiny("llama"), {{1, 2}}, options), InputError);
  options = GenerationOptions();
  options.stop_strings = {"x"};  // no decode function
  EXPECT_THROW(check_generation_options(options), InputError);
  options = GenerationOptions();
  options.row_seeds = {1, 2};
  EXPECT_THROW(generate(tiny("llama"), {{1, 2}}, options), InputError);
  options = GenerationOptions();
  options.max_new_tokens = 0;
  const auto none = generate(tiny("llama"), {{1, 2}}, options);
  ASSERT_EQ(none.size(), 1u);
  EXPECT_TRUE(none[0].tokens.empty());
}

TEST(Generation, SamplingIsSeeded) {
  const Prompts prompts = {{5, 17, 33, 40}, {8, 9}};
  GenerationOptions options;
  options.do_sample = true;
  options.max_new_tokens = 16;
  options.seed = 3;
  const auto a = generate(tiny("llama"), prompts, options);
  const auto b = generate(tiny("llama"), prompts, options);
  options.seed = 4;
  const auto c = generate(tiny("llama"), prompts, options);
  EXPECT_EQ(a[0].tokens, b[0].tokens);
  EXPECT_EQ(a[1].tokens, b[1].tokens);
  EXPECT_NE(a[0].tokens, c[0].tokens);
}

TEST(Generation, LeftPad) {
  const PaddedBatch batch = left_pad({{1, 2, 3}, {4}}, 9);
  EXPECT_TRUE(torch::equal(batch.input_ids, torch::tensor({1, 2, 3, 9, 9, 4}, torch::kInt64).view({2, 3})));
  EXPECT_TRUE(torch::equal(batch.attention_mask, torch::tensor({1, 1, 1, 0, 0, 1}, torch::kInt64).view({2, 3})));
}

TEST(BeamHypotheses, KeepsTheBestAndStopsAsHuggingFace) {
  BeamHypotheses hyps(2, 1.0, EarlyStopping::kHeuristic, 10);
  hyps.add({1, 2}, FinishReason::kEos, -4.0, 2);  // score -2
  EXPECT_FALSE(hyps.is_done(-1.0, 3));            // fewer than num_beams
  hyps.add({3}, FinishReason::kEos, -3.0, 1);     // -3
  hyps.add({4, 5, 6}, FinishReason::kEos, -3.0, 3);  // -1: replaces -3
  EXPECT_EQ(hyps.size(), 2u);
  EXPECT_EQ(hyps.best().tokens, (std::vector<int64_t>{4, 5, 6}));
  EXPECT_DOUBLE_EQ(hyps.best().score, -1.0);
  // worst is -2: done when the best open beam cannot beat it at this length.
  EXPECT_TRUE(hyps.is_done(-8.0, 4));   // -2 >= -2
  EXPECT_FALSE(hyps.is_done(-7.0, 4));  // -1.75
  BeamHypotheses never(2, 1.0, EarlyStopping::kNever, 10);
  never.add({1}, FinishReason::kEos, -4.0, 2);
  never.add({2}, FinishReason::kEos, -4.0, 2);
  EXPECT_FALSE(never.is_done(-8.0, 4));  // -8 / 10 (max new tokens) > -2
  EXPECT_TRUE(never.is_done(-20.0, 4));
  BeamHypotheses first(1, 1.0, EarlyStopping::kFirst, 10);
  first.add({1}, FinishReason::kEos, -100.0, 1);
  EXPECT_TRUE(first.is_done(0.0, 1));
}

TEST(ScoreTargets, SumsTheTargetLogProbabilities) {
  CausalLM& model = tiny("llama");
  const std::vector<int64_t> sequence = {5, 17, 33, 40, 8, 9};
  torch::NoGradGuard no_grad;
  const torch::Tensor ids = torch::tensor(sequence, torch::kInt64).view({1, -1});
  const torch::Tensor log_probs = torch::log_softmax(model.forward(ids, torch::ones_like(ids)), -1);
  double expected = 0.0;
  for (int64_t t = 3; t < 6; ++t) expected += log_probs[0][t - 1][sequence[t]].item<float>();
  const auto alone = score_targets(model, {sequence}, {3});
  EXPECT_EQ(alone[0].n_tokens, 3);
  EXPECT_NEAR(alone[0].logprob, expected, 1e-5);
  // In a left-padded batch, the same.
  const auto batched = score_targets(model, {{1, 2}, sequence, {7, 7, 7, 7, 7, 7, 7, 7, 7}}, {1, 3, 9});
  EXPECT_NEAR(batched[1].logprob, alone[0].logprob, 1e-5);
  EXPECT_EQ(batched[2].n_tokens, 0);
  EXPECT_EQ(batched[2].logprob, 0.0);
  EXPECT_EQ(batched[0].n_tokens, 1);
}

}  // namespace
}  // namespace icma::model
