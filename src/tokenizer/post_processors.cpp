// The post-processors of a tokenizer.json, for a single sequence, as Hugging
// Face tokenizers implements them (processors/{template,bert,roberta,
// byte_level,sequence}.rs), re-written here. Only ids matter to icma: the
// offsets that ByteLevel and RobertaProcessing trim are not tracked.

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "icma/core/error.hpp"
#include "json_fields.hpp"
#include "pipeline.hpp"

namespace icma::tokenizer::detail {
namespace {

using nlohmann::json;

std::uint32_t id_value(const json& value, const std::string& where) {
  if (!value.is_number_integer() || value.get<std::int64_t>() < 0 || value.get<std::uint64_t>() > UINT32_MAX) {
    fail(where, "must be an unsigned 32-bit integer");
  }
  return value.get<std::uint32_t>();
}

// ["token", id], as BertProcessing and RobertaProcessing store cls and sep.
std::uint32_t token_pair(const json& object, const char* key, const std::string& where) {
  const auto it = object.find(key);
  const std::string at = where + "." + key;
  if (it == object.end() || !it->is_array() || it->size() != 2 || !(*it)[0].is_string()) {
    fail(at, "must be [\"token\", id]");
  }
  return id_value((*it)[1], at + "[1]");
}

// The ids a template adds, in order; kSequence stands for the input.
class TemplateProcessor final : public PostProcessor {
 public:
  TemplateProcessor(const json& object, const std::string& where) {
    std::unordered_map<std::string, std::vector<std::uint32_t>> specials;
    if (const auto it = object.find("special_tokens"); it != object.end() && !it->is_null()) {
      if (!it->is_object()) fail(where + ".special_tokens", "must be an object");
      for (auto entry = it->begin(); entry != it->end(); ++entry) {
        const std::string at = where + ".special_tokens[\"" + entry.key() + "\"]";
        const json& token = entry.value();
        const auto ids = token.find("ids");
        if (!token.is_object() || ids == token.end() || !ids->is_array()) fail(at + ".ids", "must be an array of ids");
        std::vector<std::uint32_t> values;
        for (std::size_t k = 0; k < ids->size(); ++k) values.push_back(id_value((*ids)[k], at + ".ids[" + std::to_string(k) + "]"));
        if (const auto tokens = token.find("tokens"); tokens != token.end()) {
          if (!tokens->is_array() || tokens->size() != values.size()) {
            fail(at + ".tokens", "must be an array as long as ids");
          }
        }
        specials[entry.key()] = std::move(values);
      }
    }
    const auto single = object.find("single");
    if (single == object.end() || !single->is_array()) fail(where + ".single", "must be an array of template pieces");
    for (std::size_t i = 0; i < single->size(); ++i) {
      const std::string at = where + ".single[" + std::to_string(i) + "]";
      const json& piece = (*single)[i];
      std::string special;
      bool is_sequence = false;
      std::string sequence_id;
      if (piece.is_object() && piece.size() == 1 && piece.contains("Sequence")) {
        const json& body = piece["Sequence"];
        if (!body.is_object() || !body.contains("id") || !body["id"].is_string()) fail(at + ".Sequence.id", "must be \"A\" or \"B\"");
        is_sequence = true;
        sequence_id = body["id"].get<std::string>();
      } else if (piece.is_object() && piece.size() == 1 && piece.contains("SpecialToken")) {
        const json& body = piece["SpecialToken"];
        if (!body.is_object() || !body.contains("id") || !body["id"].is_string()) fail(at + ".SpecialToken.id", "must be a string");
        special = body["id"].get<std::string>();
      } else if (piece.is_string()) {
        // The string form ("$A", "$B:1", "[CLS]", "[SEP]:1").
        std::string text = piece.get<std::string>();
        if (const auto colon = text.rfind(':'); colon != std::string::npos && colon + 1 < text.size() &&
                                                 text.find_first_not_of("0123456789", colon + 1) == std::string::npos) {
          text.resize(colon);
        }
        if (!text.empty() && text[0] == '$') {
          is_sequence = true;
          sequence_id = text == "$" || text == "$A" || text == "$0" ? "A" : text == "$B" || text == "$1" ? "B" : text;
        } else {
          special = text;
        }
      } else {
        fail(at, "must be {\"Sequence\": ...} or {\"SpecialToken\": ...}");
      }
      if (is_sequence) {
        if (sequence_id == "B") fail(at, "the single-sequence template cannot use sequence B");
        if (sequence_id != "A") fail(at + ".Sequence.id", "must be \"A\" or \"B\"");
        steps_.push_back(Step{true, {}});
      } else {
        const auto found = specials.find(special);
        if (found == specials.end()) fail(at, "special token \"" + special + "\" is missing from special_tokens");
        steps_.push_back(Step{false, found->second});
      }
    }
  }

  void process(std::vector<std::uint32_t>& ids) const override {
    std::vector<std::uint32_t> out;
    out.reserve(ids.size() + 8);
    for (const Step& step : steps_) {
      if (step.sequence) {
        out.insert(out.end(), ids.begin(), ids.end());
      } else {
        out.insert(out.end(), step.ids.begin(), step.ids.end());
      }
    }
    ids = std::move(out);
  }

 private:
  struct Step {
    bool sequence;
    std::vector<std::uint32_t> ids;
  };
  std::vector<Step> steps_;
};

// BertProcessing and RobertaProcessing: [cls] ids [sep].
class ClsSepProcessor final : public PostProcessor {
 public:
  ClsSepProcessor(std::uint32_t cls, std::uint32_t sep) : cls_(cls), sep_(sep) {}
  void process(std::vector<std::uint32_t>& ids) const override {
    ids.insert(ids.begin(), cls_);
    ids.push_back(sep_);
  }

 private:
  std::uint32_t cls_;
  std::uint32_t sep_;
};

// ByteLevel only trims offsets: the ids stay.
class NoOpProcessor final : public PostProcessor {
 public:
  void process(std::vector<std::uint32_t>&) const override {}
};

class SequenceProcessor final : public PostProcessor {
 public:
  explicit SequenceProcessor(std::vector<std::unique_ptr<PostProcessor>> processors)
      : processors_(std::move(processors)) {}
  void process(std::vector<std::uint32_t>& ids) const override {
    for (const auto& processor : processors_) processor->process(ids);
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> processors_;
};

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const json& object, const std::string& where) {
  if (object.is_null()) return nullptr;
  if (!object.is_object()) fail(where, "must be an object");
  const auto type_field = object.find("type");
  if (type_field == object.end() || !type_field->is_string()) fail(where + ".type", "missing or not a string");
  const std::string& type = type_field->get_ref<const std::string&>();
  if (type == "TemplateProcessing") return std::make_unique<TemplateProcessor>(object, where);
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    return std::make_unique<ClsSepProcessor>(token_pair(object, "cls", where), token_pair(object, "sep", where));
  }
  if (type == "ByteLevel") return std::make_unique<NoOpProcessor>();
  if (type == "Sequence") {
    const auto list = object.find("processors");
    if (list == object.end() || !list->is_array()) fail(where + ".processors", "must be an array");
    std::vector<std::unique_ptr<PostProcessor>> processors;
    for (std::size_t i = 0; i < list->size(); ++i) {
      const std::string at = where + ".processors[" + std::to_string(i) + "]";
      auto processor = make_post_processor((*list)[i], at);
      if (!processor) fail(at, "must be a post-processor object");
      processors.push_back(std::move(processor));
    }
    return std::make_unique<SequenceProcessor>(std::move(processors));
  }
  fail(where + ".type", "unknown post-processor type \"" + type + "\"");
}

}  // namespace icma::tokenizer::detail
