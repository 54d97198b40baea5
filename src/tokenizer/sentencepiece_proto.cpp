#include "sentencepiece_proto.hpp"

#include <cstdint>
#include <vector>

namespace icma::tokenizer::detail {
namespace {

// Protobuf wire types (https://protobuf.dev/programming-guides/encoding/).
constexpr int kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5;

// One field of a message: its number, wire type, the varint value (kVarint)
// or the payload (kLengthDelimited), and the bytes it occupies, tag included.
struct Field {
  std::uint32_t number = 0;
  int wire_type = 0;
  std::uint64_t value = 0;
  std::string_view payload;
  std::string_view bytes;
};

// Reads a base-128 varint at `at`; false when truncated or longer than 10 bytes.
bool read_varint(std::string_view data, std::size_t& at, std::uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (at >= data.size()) return false;
    const auto byte = static_cast<unsigned char>(data[at++]);
    value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

void write_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

// Splits a message into its top-level fields; nullopt on malformed input
// (including the deprecated group wire types 3 and 4, which SentencePiece
// models never use).
std::optional<std::vector<Field>> parse_fields(std::string_view data) {
  std::vector<Field> fields;
  std::size_t at = 0;
  while (at < data.size()) {
    const std::size_t start = at;
    std::uint64_t tag = 0;
    if (!read_varint(data, at, tag)) return std::nullopt;
    Field field;
    field.number = static_cast<std::uint32_t>(tag >> 3);
    field.wire_type = static_cast<int>(tag & 7);
    if (field.number == 0) return std::nullopt;
    switch (field.wire_type) {
      case kVarint:
        if (!read_varint(data, at, field.value)) return std::nullopt;
        break;
      case kFixed64:
      case kFixed32: {
        const std::size_t size = field.wire_type == kFixed64 ? 8 : 4;
        if (data.size() - at < size) return std::nullopt;
        at += size;
        break;
      }
      case kLengthDelimited: {
        std::uint64_t length = 0;
        if (!read_varint(data, at, length) || length > data.size() - at) return std::nullopt;
        field.payload = data.substr(at, static_cast<std::size_t>(length));
        at += static_cast<std::size_t>(length);
        break;
      }
      default:
        return std::nullopt;
    }
    field.bytes = data.substr(start, at - start);
    fields.push_back(field);
  }
  return fields;
}

constexpr std::uint32_t kModelTrainerSpec = 2;           // ModelProto.trainer_spec
constexpr std::uint32_t kModelNormalizerSpec = 3;        // ModelProto.normalizer_spec
constexpr std::uint32_t kTrainerModelType = 3;           // TrainerSpec.model_type
constexpr std::uint32_t kTrainerByteFallback = 35;       // TrainerSpec.byte_fallback
constexpr std::uint32_t kNormalizerAddDummyPrefix = 3;   // NormalizerSpec.add_dummy_prefix

// A NormalizerSpec payload with add_dummy_prefix = false: any existing
// field-3 entries are dropped and "field 3, varint, 0" (bytes 0x18 0x00) is
// appended; every other field is kept byte for byte.
std::optional<std::string> normalizer_without_dummy_prefix(std::string_view spec) {
  const auto fields = parse_fields(spec);
  if (!fields) return std::nullopt;
  std::string out;
  for (const Field& f : *fields) {
    if (f.number != kNormalizerAddDummyPrefix) out.append(f.bytes.data(), f.bytes.size());
  }
  write_varint(out, (kNormalizerAddDummyPrefix << 3) | kVarint);  // 0x18
  write_varint(out, 0);                                         // false
  return out;
}

// Appends a length-delimited field.
void write_message(std::string& out, std::uint32_t number, const std::string& payload) {
  write_varint(out, (static_cast<std::uint64_t>(number) << 3) | kLengthDelimited);
  write_varint(out, payload.size());
  out += payload;
}

}  // namespace

std::optional<std::string> without_dummy_prefix(std::string_view model) {
  const auto fields = parse_fields(model);
  if (!fields) return std::nullopt;
  std::string out;
  out.reserve(model.size() + 8);
  bool rewrote = false;
  for (const Field& f : *fields) {
    if (f.number == kModelNormalizerSpec && f.wire_type == kLengthDelimited) {
      // Protobuf merges repeated occurrences of a message field, so each one
      // is rewritten; the last add_dummy_prefix seen wins either way.
      const auto spec = normalizer_without_dummy_prefix(f.payload);
      if (!spec) return std::nullopt;
      write_message(out, kModelNormalizerSpec, *spec);  // its length re-encoded
      rewrote = true;
    } else {
      out.append(f.bytes.data(), f.bytes.size());
    }
  }
  // No normalizer_spec at all means the defaults (add_dummy_prefix = true):
  // add one that turns it off.
  if (!rewrote) write_message(out, kModelNormalizerSpec, *normalizer_without_dummy_prefix({}));
  return out;
}

std::optional<SentencePieceTrainerInfo> read_trainer_spec(std::string_view model) {
  const auto fields = parse_fields(model);
  if (!fields) return std::nullopt;
  SentencePieceTrainerInfo info;
  for (const Field& f : *fields) {
    if (f.number != kModelTrainerSpec || f.wire_type != kLengthDelimited) continue;
    const auto spec = parse_fields(f.payload);
    if (!spec) return std::nullopt;
    for (const Field& t : *spec) {
      if (t.wire_type != kVarint) continue;
      if (t.number == kTrainerModelType) info.model_type = static_cast<int>(t.value);
      if (t.number == kTrainerByteFallback) info.byte_fallback = t.value != 0;
    }
  }
  return info;
}

}  // namespace icma::tokenizer::detail
