// icma::tokenizer::Tokenizer against the reference implementations, on the real
// tokenizer files of real models (ICMA_SHARED_DIR/models/<name>):
//   tests/fixtures/llm_tokenizers_hf.json  - Hugging Face `tokenizers` (npm binding) on every
//       tokenizer.json (tests/reference/make_tokenizer_fixtures.js describes the records);
//   tests/fixtures/llm_sentencepiece.json  - SentencePiece (python3-sentencepiece) on Mistral's
//       tokenizer.model (tests/reference/make_sentencepiece_llm_fixtures.py).
// The ChEBI-20 texts are not in the fixtures: they are read again from
// ICMA_SHARED_DIR/data/chebi20/test.txt, and the ICMA prompts are rebuilt from
// the templates and row indices the fixture stores.

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "icma/core/error.hpp"
#include "icma/tokenizer/tokenizer.hpp"
#include "test_support.hpp"

namespace icma::tokenizer {
namespace {

using Ids = std::vector<std::uint32_t>;
using nlohmann::json;

constexpr int kMaxReported = 5;  // mismatches printed in full per group; the rest are counted

std::string model_dir(const std::string& name) { return testing::shared_dir() + "/models/" + name; }

// --- the record format of make_tokenizer_fixtures.js --------------------------------------------

std::uint64_t fnv1a(const unsigned char* bytes, std::size_t size) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (std::size_t i = 0; i < size; ++i) {
    h ^= bytes[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string hex(std::uint64_t value) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
  return buffer;
}

std::string digest(const Ids& ids) {
  std::vector<unsigned char> bytes;
  bytes.reserve(ids.size() * 4);
  for (std::uint32_t id : ids) {
    for (int shift = 0; shift < 32; shift += 8) bytes.push_back(static_cast<unsigned char>((id >> shift) & 0xff));
  }
  return hex(fnv1a(bytes.data(), bytes.size()));
}

std::string digest(const std::string& text) {
  return hex(fnv1a(reinterpret_cast<const unsigned char*>(text.data()), text.size()));
}

std::string show(const Ids& ids) {
  std::ostringstream out;
  out << '[';
  for (std::size_t i = 0; i < ids.size(); ++i) out << (i > 0 ? "," : "") << ids[i];
  out << ']';
  return out.str();
}

std::string quote(const std::string& text) { return json(text).dump(); }

struct Outcome {
  Ids plain, special;
  std::string decoded, decoded_skip;
};

Outcome run(const Tokenizer& tokenizer, const std::string& text) {
  Outcome o;
  o.plain = tokenizer.encode(text, false);
  o.special = tokenizer.encode(text, true);
  o.decoded = tokenizer.decode(o.special, false);
  o.decoded_skip = tokenizer.decode(o.special, true);
  return o;
}

std::string record(const std::string& text, const Outcome& o) {
  return std::to_string(o.plain.size()) + ":" + digest(o.plain) + ":" +
         (o.special == o.plain ? std::string() : digest(o.special)) + ":" +
         (o.decoded == text ? std::string() : digest(o.decoded)) + ":" +
         (o.decoded_skip == text ? std::string() : digest(o.decoded_skip));
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

// Which parts of a record differ, in words.
std::string record_difference(const std::string& ours, const std::string& expected) {
  static const char* names[] = {"id count", "ids", "ids with special tokens", "decode", "decode skipping special"};
  const auto a = split(ours, ':');
  const auto b = split(expected, ':');
  std::string out;
  for (std::size_t i = 0; i < 5 && i < a.size() && i < b.size(); ++i) {
    if (a[i] != b[i]) out += (out.empty() ? "" : ", ") + std::string(names[i]);
  }
  return out.empty() ? "record format" : out;
}

// --- the data ------------------------------------------------------------------------------------

struct Row {
  std::string smiles, caption;
};

std::vector<Row> read_dataset(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<Row> rows;
  std::string line;
  std::getline(in, line);  // header: CID SMILES description
  while (std::getline(in, line)) {
    const auto fields = split(line, '\t');
    if (fields.size() != 3) throw std::runtime_error(path + ": a row without 3 fields");
    rows.push_back({fields[1], fields[2]});
  }
  return rows;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string fill(const std::string& text, const Row& row, bool wrap) {
  const std::string smiles = wrap ? "[START_I_SMILES]" + row.smiles + "[END_I_SMILES]" : row.smiles;
  // Captions never hold "{SMILES}", so the order of the two replacements does not matter.
  return replace_all(replace_all(text, "{caption}", row.caption), "{SMILES}", smiles);
}

std::string build_prompt(const json& templates, const json& spec, const std::vector<Row>& rows) {
  const json& t = templates.at(spec.at("template").get<std::string>());
  const bool wrap = t.at("wrap_smiles").get<bool>();
  std::string text;
  for (const auto& e : spec.at("examples")) text += fill(t.at("example").get<std::string>(), rows.at(e.get<int>()), wrap);
  const Row& query = rows.at(spec.at("query").get<int>());
  return text + fill(t.at("query").get<std::string>(), query, wrap) + fill(t.at("target").get<std::string>(), query, wrap);
}

const json& hf_fixture() {
  static const json fixture = testing::load_json(testing::fixture_path("llm_tokenizers_hf.json"));
  return fixture;
}

const json& model_fixture(const std::string& name) {
  for (const json& m : hf_fixture().at("models")) {
    if (m.at("model") == name) return m;
  }
  throw std::runtime_error("no fixture section for " + name);
}

const std::vector<Row>& dataset() {
  static const std::vector<Row> rows = read_dataset(testing::shared_dir() + "/data/chebi20/test.txt");
  return rows;
}

bool have_shared(const std::string& name) {
  return testing::file_exists(model_dir(name) + "/tokenizer.json") &&
         testing::file_exists(testing::shared_dir() + "/data/chebi20/test.txt");
}

// Counts and reports the mismatches of one group of texts.
class Tally {
 public:
  Tally(std::string model, std::string group) : model_(std::move(model)), group_(std::move(group)) {}
  ~Tally() {
    std::cout << "[ reference ] " << model_ << " " << group_ << ": " << (total_ - failed_) << "/" << total_
              << " match\n";
    EXPECT_EQ(failed_, 0) << model_ << " " << group_ << ": " << failed_ << " of " << total_ << " texts differ";
  }
  void pass() { ++total_; }
  // Returns whether the details should be printed.
  bool fail() {
    ++total_;
    return ++failed_ <= kMaxReported;
  }

 private:
  std::string model_, group_;
  int total_ = 0, failed_ = 0;
};

// --- tokenizer.json models against HF tokenizers ---------------------------------------------------

void check_torture(const std::string& name, const Tokenizer& tokenizer) {
  const json& texts = hf_fixture().at("torture");
  const json& expected = model_fixture(name).at("torture");
  ASSERT_EQ(texts.size(), expected.size());
  Tally tally(name, "torture");
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const std::string text = texts[i].get<std::string>();
    const json& e = expected[i];
    const Outcome o = run(tokenizer, text);
    const Ids plain = e.at("plain").get<Ids>(), special = e.at("special").get<Ids>();
    const std::string decoded = e.at("decode").get<std::string>(), skip = e.at("decode_skip").get<std::string>();
    if (o.plain == plain && o.special == special && o.decoded == decoded && o.decoded_skip == skip) {
      tally.pass();
    } else if (tally.fail()) {
      ADD_FAILURE() << name << " torture[" << i << "] " << quote(text) << "\n  ids:          ours " << show(o.plain)
                    << "\n                expected " << show(plain) << "\n  with special: ours " << show(o.special)
                    << "\n                expected " << show(special) << "\n  decode:       ours " << quote(o.decoded)
                    << "\n                expected " << quote(decoded) << "\n  decode skip:  ours "
                    << quote(o.decoded_skip) << "\n                expected " << quote(skip);
    }
  }
}

void check_field(const std::string& name, const Tokenizer& tokenizer, const std::string& field) {
  const json& m = model_fixture(name);
  const json& records = m.at(field);
  const json& full = m.at("full").at(field);
  const auto& rows = dataset();
  ASSERT_EQ(records.size(), rows.size()) << "the fixture was made from another test.txt";
  Tally tally(name, field);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string& text = field == "captions" ? rows[i].caption : rows[i].smiles;
    const Outcome o = run(tokenizer, text);
    const std::string ours = record(text, o);
    const std::string expected = records[i].get<std::string>();
    bool ok = ours == expected;
    Ids expected_plain;
    if (i < full.size()) {
      expected_plain = full[i].at(0).get<Ids>();
      const Ids expected_special = full[i].size() > 1 ? full[i].at(1).get<Ids>() : expected_plain;
      ok = ok && o.plain == expected_plain && o.special == expected_special;
    }
    if (ok) {
      tally.pass();
    } else if (tally.fail()) {
      ADD_FAILURE() << name << " " << field << "[" << i << "] " << quote(text) << "\n  differs in: "
                    << record_difference(ours, expected) << "\n  ours     " << ours << " " << show(o.plain)
                    << "\n  expected " << expected << " "
                    << (i < full.size() ? show(expected_plain) : "(full ids only for the first rows)")
                    << "\n  our decode: " << quote(o.decoded);
    }
  }
}

void check_prompts(const std::string& name, const Tokenizer& tokenizer) {
  const json& specs = hf_fixture().at("prompts");
  const json& templates = hf_fixture().at("templates");
  const json& records = model_fixture(name).at("prompts");
  ASSERT_EQ(specs.size(), records.size());
  Tally tally(name, "prompts");
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const std::string text = build_prompt(templates, specs[i], dataset());
    const Outcome o = run(tokenizer, text);
    const std::string ours = record(text, o);
    const std::string expected = records[i].get<std::string>();
    if (ours == expected) {
      tally.pass();
    } else if (tally.fail()) {
      ADD_FAILURE() << name << " prompts[" << i << "] (" << specs[i].dump() << ") " << quote(text)
                    << "\n  differs in: " << record_difference(ours, expected) << "\n  ours     " << ours << " "
                    << show(o.plain) << "\n  expected " << expected;
    }
  }
}

void check_vocabulary(const std::string& name, const Tokenizer& tokenizer) {
  const json& m = model_fixture(name);
  EXPECT_EQ(tokenizer.vocab_size(), m.at("vocab_size").get<std::size_t>()) << name;
  for (const json& pair : m.at("tokens")) {
    const auto id = pair.at(0).get<std::uint32_t>();
    const std::optional<std::string> token = tokenizer.id_to_token(id);
    if (pair.at(1).is_null()) {
      EXPECT_FALSE(token.has_value()) << name << " id " << id;
      continue;
    }
    const std::string expected = pair.at(1).get<std::string>();
    EXPECT_EQ(token, expected) << name << " id " << id;
    EXPECT_EQ(tokenizer.token_to_id(expected), id) << name << " token " << quote(expected);
  }
  EXPECT_FALSE(tokenizer.id_to_token(static_cast<std::uint32_t>(tokenizer.vocab_size()) + 1000).has_value()) << name;
  EXPECT_FALSE(tokenizer.token_to_id("no such token in any vocabulary \x01\x02").has_value()) << name;
}

void check_batch(const std::string& name, const Tokenizer& tokenizer) {
  std::vector<std::string> texts;
  for (const json& t : hf_fixture().at("torture")) texts.push_back(t.get<std::string>());
  for (std::size_t i = 0; i < 200 && i < dataset().size(); ++i) texts.push_back(dataset()[i].caption);
  for (bool special : {false, true}) {
    for (unsigned threads : {1u, 4u}) {
      const auto batch = tokenizer.encode_batch(texts, special, threads);
      ASSERT_EQ(batch.size(), texts.size()) << name;
      for (std::size_t i = 0; i < texts.size(); ++i) {
        EXPECT_EQ(batch[i], tokenizer.encode(texts[i], special)) << name << " text " << i << " threads " << threads;
      }
    }
  }
  EXPECT_TRUE(tokenizer.encode_batch({}, true, 2).empty());
}

void check_model(const std::string& name) {
  if (!have_shared(name)) GTEST_SKIP() << "no " << name << " tokenizer.json or ChEBI-20 under " << testing::shared_dir();
  const Tokenizer tokenizer = Tokenizer::load(model_dir(name));
  EXPECT_NE(tokenizer.describe().find("tokenizer.json"), std::string::npos) << tokenizer.describe();
  check_torture(name, tokenizer);
  check_field(name, tokenizer, "captions");
  check_field(name, tokenizer, "smiles");
  check_prompts(name, tokenizer);
  check_vocabulary(name, tokenizer);
  check_batch(name, tokenizer);
}

TEST(LlmTokenizerReference, Galactica125m) { check_model("galactica-125m"); }
TEST(LlmTokenizerReference, Gpt2) { check_model("gpt2"); }
TEST(LlmTokenizerReference, Mistral7b) { check_model("mistral-7b-v0.1"); }

// Mistral's tokenizer.model reads as the LlamaTokenizerFast that transformers
// converts it into, i.e. as its tokenizer.json: the same HF fixture, every
// check (ids with and without special tokens, decodes with and without
// skipping), special-token strings in the text and the prompts' "</s>" included.
TEST(LlmTokenizerReference, Mistral7bSentencePieceAsHf) {
  const std::string name = "mistral-7b-v0.1";
  const std::string path = model_dir(name) + "/tokenizer.model";
  if (!have_shared(name) || !testing::file_exists(path)) GTEST_SKIP() << "no " << path;
  const Tokenizer tokenizer = Tokenizer::load(path);
  EXPECT_NE(tokenizer.describe().find("sentencepiece"), std::string::npos) << tokenizer.describe();
  check_torture(name, tokenizer);
  check_field(name, tokenizer, "captions");
  check_field(name, tokenizer, "smiles");
  check_prompts(name, tokenizer);
  check_vocabulary(name, tokenizer);
  check_batch(name, tokenizer);
}

// Loading by file instead of by directory gives the same tokenizer.
TEST(LlmTokenizerReference, LoadsAFileAsWellAsADirectory) {
  if (!have_shared("gpt2")) GTEST_SKIP() << "no gpt2 under " << testing::shared_dir();
  const Tokenizer by_dir = Tokenizer::load(model_dir("gpt2"));
  const Tokenizer by_file = Tokenizer::load(model_dir("gpt2") + "/tokenizer.json");
  const std::string text = "The molecule is a steroid ester. [START_I_SMILES]CCO[END_I_SMILES]";
  EXPECT_EQ(by_dir.encode(text), by_file.encode(text));
  EXPECT_EQ(by_dir.vocab_size(), by_file.vocab_size());
}

// BOS/EOS/PAD/UNK as transformers reads them from the model directory.
TEST(LlmTokenizerReference, SpecialTokens) {
  if (have_shared("mistral-7b-v0.1")) {
    const SpecialTokens s = Tokenizer::load(model_dir("mistral-7b-v0.1")).special_tokens();
    EXPECT_EQ(s.bos, 1u);
    EXPECT_EQ(s.eos, 2u);
    EXPECT_EQ(s.unk, 0u);
    EXPECT_FALSE(s.pad.has_value());  // "pad_token": null
  }
  if (have_shared("galactica-125m")) {
    // special_tokens_map.json is {} and tokenizer_config.json names none: PreTrainedTokenizerFast has none.
    const SpecialTokens s = Tokenizer::load(model_dir("galactica-125m")).special_tokens();
    EXPECT_FALSE(s.bos.has_value());
    EXPECT_FALSE(s.eos.has_value());
    EXPECT_FALSE(s.pad.has_value());
    EXPECT_FALSE(s.unk.has_value());
  }
  if (have_shared("gpt2")) {
    // No tokenizer_config.json here; GPT2TokenizerFast's defaults would be <|endoftext|> (50256) for all but pad.
    const SpecialTokens s = Tokenizer::load(model_dir("gpt2")).special_tokens();
    for (const auto& id : {s.bos, s.eos, s.unk}) {
      if (id) EXPECT_EQ(*id, 50256u);
    }
    EXPECT_FALSE(s.pad.has_value());
  }
}

// --- Mistral's tokenizer.model against SentencePiece ------------------------------------------------

// Our tokenizer.model path follows HF's LlamaTokenizerFast (checked above),
// which differs from raw SentencePiece in three places: special-token strings
// in the text ("<s>", "</s>", "<unk>") are special tokens, not text; the dummy
// prefix "▁" is not added to a text that already starts with a space or "▁"
// (Metaspace, prepend_scheme "first"); and decoding keeps "<s>"/"</s>" as text
// unless skipped. So this checks plain SentencePiece only where the two agree:
// ids (not decodes) of ordinary text - captions, SMILES, and the torture texts
// without special-token strings or a leading space/"▁".
bool sentencepiece_agrees_with_hf(const std::string& text) {
  for (const char* special : {"<s>", "</s>", "<unk>"}) {
    if (text.find(special) != std::string::npos) return false;
  }
  return !(text.rfind(" ", 0) == 0 || text.rfind("\u2581", 0) == 0);
}

// The ids part of a record (count, ids, ids with special tokens), without the decodes.
std::string record_ids(const std::string& record) {
  const auto parts = split(record, ':');
  return parts.size() < 3 ? record : parts[0] + ":" + parts[1] + ":" + parts[2];
}

TEST(LlmTokenizerReference, MistralSentencePiece) {
  const std::string path = model_dir("mistral-7b-v0.1") + "/tokenizer.model";
  if (!testing::file_exists(path) || !testing::file_exists(testing::shared_dir() + "/data/chebi20/test.txt")) {
    GTEST_SKIP() << "no " << path;
  }
  const json fixture = testing::load_json(testing::fixture_path("llm_sentencepiece.json"));
  const Tokenizer tokenizer = Tokenizer::load(path);
  EXPECT_NE(tokenizer.describe().find("sentencepiece"), std::string::npos) << tokenizer.describe();
  EXPECT_EQ(tokenizer.vocab_size(), fixture.at("piece_size").get<std::size_t>());
  const SpecialTokens& s = tokenizer.special_tokens();
  EXPECT_EQ(s.bos, fixture.at("bos").get<std::uint32_t>());
  EXPECT_EQ(s.eos, fixture.at("eos").get<std::uint32_t>());
  EXPECT_EQ(s.unk, fixture.at("unk").get<std::uint32_t>());
  EXPECT_FALSE(s.pad.has_value());
  const auto bos = fixture.at("bos").get<std::uint32_t>();

  const auto check = [&](Tally& tally, const std::string& label, const std::string& text, const json& e) {
    const Ids plain = e.at("ids").get<Ids>();
    Ids special{bos};
    special.insert(special.end(), plain.begin(), plain.end());
    const Ids ours = tokenizer.encode(text, false);
    const Ids ours_special = tokenizer.encode(text, true);
    if (ours == plain && ours_special == special) {
      tally.pass();
    } else if (tally.fail()) {
      ADD_FAILURE() << "tokenizer.model " << label << " " << quote(text) << "\n  ours     " << show(ours) << " "
                    << show(ours_special) << "\n  expected " << show(plain) << " " << show(special);
    }
  };
  {
    Tally tally("mistral tokenizer.model", "torture");
    const json& cases = fixture.at("torture");
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const std::string text = cases[i].at("text").get<std::string>();
      if (sentencepiece_agrees_with_hf(text)) check(tally, "torture[" + std::to_string(i) + "]", text, cases[i]);
    }
  }
  {
    Tally tally("mistral tokenizer.model", "captions");
    const json& cases = fixture.at("captions");
    ASSERT_LE(cases.size(), dataset().size());
    for (std::size_t i = 0; i < cases.size(); ++i) {
      if (!sentencepiece_agrees_with_hf(dataset()[i].caption)) continue;
      check(tally, "captions[" + std::to_string(i) + "]", dataset()[i].caption, cases[i]);
    }
  }
  // Every caption and every SMILES, as compact records (see the script), ids only.
  for (const char* kind : {"caption", "smiles"}) {
    const json& records = fixture.at(std::string(kind) + "_records");
    ASSERT_EQ(records.size(), dataset().size()) << kind;
    Tally tally("mistral tokenizer.model", std::string(kind) + " records");
    for (std::size_t i = 0; i < records.size(); ++i) {
      const std::string& text = std::string(kind) == "caption" ? dataset()[i].caption : dataset()[i].smiles;
      if (!sentencepiece_agrees_with_hf(text)) continue;
      const Outcome ours = run(tokenizer, text);
      if (record_ids(record(text, ours)) == record_ids(records[i].get<std::string>())) {
        tally.pass();
      } else if (tally.fail()) {
        ADD_FAILURE() << "tokenizer.model " << kind << "[" << i << "] " << quote(text) << ": ours " << show(ours.plain)
                      << " (" << record(text, ours) << "), expected " << records[i].get<std::string>();
      }
    }
  }
}

// The tokenizer.json of Mistral and its tokenizer.model agree.
TEST(LlmTokenizerReference, MistralJsonAndModelAgree) {
  const std::string dir = model_dir("mistral-7b-v0.1");
  if (!have_shared("mistral-7b-v0.1") || !testing::file_exists(dir + "/tokenizer.model")) GTEST_SKIP();
  const Tokenizer hf = Tokenizer::load(dir + "/tokenizer.json");
  const Tokenizer sp = Tokenizer::load(dir + "/tokenizer.model");
  for (std::size_t i = 0; i < 100 && i < dataset().size(); ++i) {
    EXPECT_EQ(hf.encode(dataset()[i].caption), sp.encode(dataset()[i].caption)) << "caption " << i;
  }
  // The ICMA prompts too (multi-line, with SMILES): the tokenizer.json side
  // is checked against HF above, so this extends that check to the
  // tokenizer.model, the templates' literal "</s>" (a special token for both) included.
  const json& specs = hf_fixture().at("prompts");
  const json& templates = hf_fixture().at("templates");
  int differing = 0;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const std::string text = build_prompt(templates, specs[i], dataset());
    if (hf.encode(text, false) != sp.encode(text, false) && ++differing <= 3) {
      ADD_FAILURE() << "prompt " << i << " " << quote(text) << "\n  json  " << show(hf.encode(text, false))
                    << "\n  model " << show(sp.encode(text, false));
    }
  }
  EXPECT_EQ(differing, 0);
}

// --- bad files ----------------------------------------------------------------------------------

std::string write_temp(const std::string& name, const std::string& content) {
  const std::string dir = testing::temp_dir() + "/llm-" + name;
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/tokenizer.json";
  testing::write_text(path, content);
  return path;
}

// Loading `content` as a tokenizer.json throws InputError whose message holds
// the file and every one of `expected`.
void expect_input_error(const std::string& name, const std::string& content,
                        const std::vector<std::string>& expected) {
  const std::string path = write_temp(name, content);
  try {
    Tokenizer::load(path);
    ADD_FAILURE() << name << ": loaded without an error";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << name << ": " << message;
    for (const std::string& part : expected) {
      EXPECT_NE(message.find(part), std::string::npos) << name << ": \"" << part << "\" not in: " << message;
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << name << ": not an InputError: " << e.what();
  }
}

const char* kMinimalBpe = R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}})";

TEST(LlmTokenizerErrors, AMinimalFileLoads) {
  const Tokenizer tokenizer = Tokenizer::load(write_temp("minimal", kMinimalBpe));
  EXPECT_EQ(tokenizer.encode("abab", false), (Ids{2, 2}));
  EXPECT_EQ(tokenizer.vocab_size(), 3u);
}

TEST(LlmTokenizerErrors, MalformedJson) {
  expect_input_error("truncated", R"({"model": {"type": "BPE", "vocab": {"a": 0)", {"JSON"});
  expect_input_error("not-json", "this is not JSON\n", {"JSON"});
  expect_input_error("empty", "", {});
  expect_input_error("array", "[1, 2, 3]", {});
}

TEST(LlmTokenizerErrors, UnknownTypesNameTheField) {
  expect_input_error("unknown-model", R"({"model": {"type": "Transformer9000", "vocab": {}}})",
                     {"model", "Transformer9000"});
  expect_input_error("unknown-normalizer",
                     R"({"normalizer": {"type": "Shout"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}})",
                     {"normalizer", "Shout"});
  expect_input_error(
      "unknown-pre-tokenizer",
      R"({"pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "Whitespace"}, {"type": "Wobble"}]},
          "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}})",
      {"pre_tokenizer", "Wobble"});
  expect_input_error("unknown-decoder",
                     R"({"decoder": {"type": "Reverse"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}})",
                     {"decoder", "Reverse"});
}

TEST(LlmTokenizerErrors, MalformedFieldsAreNamed) {
  expect_input_error("no-model", R"({"added_tokens": []})", {"model"});
  expect_input_error("added-not-array",
                     R"({"added_tokens": 5, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}})",
                     {"added_tokens"});
  expect_input_error("vocab-not-object", R"({"model": {"type": "BPE", "vocab": 7, "merges": []}})", {"vocab"});
}

TEST(LlmTokenizerErrors, MissingFilesAndDirectories) {
  EXPECT_THROW(Tokenizer::load(testing::temp_dir() + "/does-not-exist.json"), InputError);
  const std::string empty_dir = testing::temp_dir() + "/llm-empty-dir";
  std::filesystem::create_directories(empty_dir);
  EXPECT_THROW(Tokenizer::load(empty_dir), InputError);
  const std::string bad_model = testing::temp_dir() + "/llm-bad.model";
  testing::write_text(bad_model, "not a sentencepiece model");
  EXPECT_THROW(Tokenizer::load(bad_model), InputError);
}

}  // namespace
}  // namespace icma::tokenizer
