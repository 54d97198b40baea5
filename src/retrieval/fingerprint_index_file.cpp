// The fingerprint index file: our own small binary format, little-endian,
// version 1. n = searchable rows, w = slot words.
//
//   offset        size      field
//   0             8         magic "ICMAFPIX"
//   8             4         format version (1)
//   12            4         kind: 0 morgan, 1 rdk, 2 maccs
//   16            4         w, 64-bit words per fingerprint slot
//   20            4         reserved, 0
//   24            8         corpus rows (searchable or not)
//   32            8         n
//   40            4n        corpus row of each fingerprint, strictly ascending
//   40+4n         4n        length of each fingerprint in bits (1 .. 64w)
//   40+8n         8nw       fingerprint words, row-major (bit i = bit i%64 of word i/64)
//   40+8n+8nw     8         FNV-1a 64 of every byte before it
//
// Popcounts and the unparsable rows (corpus rows not listed) are derived on
// load rather than stored, so they cannot disagree with the data.

#include <cstring>
#include <limits>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/retrieval/fingerprint_index.hpp"

namespace icma::retrieval {
namespace {

constexpr char kMagic[8] = {'I', 'C', 'M', 'A', 'F', 'P', 'I', 'X'};
constexpr std::uint32_t kFormatVersion = 1;
constexpr std::size_t kHeaderBytes = 40;
constexpr std::uint64_t kFnvOffset = 14695981039346656037ULL;
constexpr std::uint64_t kFnvPrime = 1099511628211ULL;

std::uint64_t fnv1a(std::uint64_t hash, const char* bytes, std::size_t size) {
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= static_cast<unsigned char>(bytes[i]);
    hash *= kFnvPrime;
  }
  return hash;
}

// Encodes little-endian integers into a buffer that it hands to the stream
// (and to the checksum) a megabyte at a time.
class Writer {
 public:
  explicit Writer(std::ostream& out) : out_(out) {}

  void bytes(const char* data, std::size_t size) {
    buffer_.append(data, size);
    if (buffer_.size() >= (1u << 20)) flush();
  }
  void u32(std::uint32_t value) { little_endian(value, 4); }
  void u64(std::uint64_t value) { little_endian(value, 8); }

  // Writes out what is buffered; returns the checksum of everything written.
  std::uint64_t flush() {
    checksum_ = fnv1a(checksum_, buffer_.data(), buffer_.size());
    out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
    buffer_.clear();
    return checksum_;
  }

 private:
  void little_endian(std::uint64_t value, int size) {
    char encoded[8];
    for (int i = 0; i < size; ++i) encoded[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
    bytes(encoded, static_cast<std::size_t>(size));
  }
  std::ostream& out_;
  std::string buffer_;
  std::uint64_t checksum_ = kFnvOffset;
};

// Decodes little-endian integers from a whole file held in memory; callers
// check the size first.
class Reader {
 public:
  explicit Reader(const std::string& data) : data_(data) {}
  std::uint32_t u32() { return static_cast<std::uint32_t>(little_endian(4)); }
  std::uint64_t u64() { return little_endian(8); }
  std::size_t position() const { return position_; }

 private:
  std::uint64_t little_endian(int size) {
    std::uint64_t value = 0;
    for (int i = 0; i < size; ++i) {
      value |= static_cast<std::uint64_t>(static_cast<unsigned char>(data_[position_ + i])) << (8 * i);
    }
    position_ += static_cast<std::size_t>(size);
    return value;
  }
  const std::string& data_;
  std::size_t position_ = 0;
};

}  // namespace

void FingerprintIndex::save(const std::string& path) const {
  AtomicFile file(path);
  Writer writer(file.stream());
  writer.bytes(kMagic, sizeof kMagic);
  writer.u32(kFormatVersion);
  writer.u32(static_cast<std::uint32_t>(kind_));
  writer.u32(static_cast<std::uint32_t>(slot_words_));
  writer.u32(0);
  writer.u64(corpus_rows_);
  writer.u64(rows_.size());
  for (std::uint32_t row : rows_) writer.u32(row);
  for (std::uint32_t bits : bits_) writer.u32(bits);
  for (std::uint64_t word : words_) writer.u64(word);
  writer.u64(writer.flush());
  writer.flush();
  file.commit();
}

FingerprintIndex FingerprintIndex::load(const std::string& path) {
  const std::string data = read_file(path);  // InputError when missing
  const auto corrupt = [&](const std::string& what) {
    return InputError(path, 0, "not a valid fingerprint index (" + what + ")");
  };
  if (data.size() < kHeaderBytes + 8 || std::memcmp(data.data(), kMagic, sizeof kMagic) != 0) {
    throw corrupt("no ICMAFPIX header");
  }
  Reader reader(data);
  reader.u64();  // the magic
  const std::uint32_t version = reader.u32();
  if (version != kFormatVersion) {
    throw InputError(path, 0, "fingerprint index format version " + std::to_string(version) +
                                  ", this build reads version " + std::to_string(kFormatVersion) +
                                  "; rebuild the index");
  }
  const std::uint32_t kind = reader.u32();
  const std::uint32_t slot_words = reader.u32();
  reader.u32();  // reserved
  const std::uint64_t corpus_rows = reader.u64();
  const std::uint64_t searchable = reader.u64();
  if (kind > static_cast<std::uint32_t>(FingerprintKind::maccs)) throw corrupt("unknown kind " + std::to_string(kind));
  if (slot_words == 0 || slot_words > 1024) throw corrupt("slot of " + std::to_string(slot_words) + " words");
  if (corpus_rows > std::numeric_limits<std::uint32_t>::max() || searchable > corpus_rows) {
    throw corrupt("row counts " + std::to_string(searchable) + " of " + std::to_string(corpus_rows));
  }
  // Both counts are below 2^32 and slot_words <= 1024: no overflow here.
  const std::uint64_t expected_size = kHeaderBytes + 8 * searchable + 8 * searchable * slot_words + 8;
  if (data.size() != expected_size) {
    throw corrupt(std::to_string(data.size()) + " bytes where the header implies " + std::to_string(expected_size));
  }
  const std::uint64_t stored_checksum = [&] {
    std::uint64_t value = 0;
    for (int i = 0; i < 8; ++i) {
      value |= static_cast<std::uint64_t>(static_cast<unsigned char>(data[data.size() - 8 + i])) << (8 * i);
    }
    return value;
  }();
  if (fnv1a(kFnvOffset, data.data(), data.size() - 8) != stored_checksum) throw corrupt("checksum mismatch");

  const auto n = static_cast<std::size_t>(searchable);
  std::vector<std::uint32_t> row_ids(n);
  std::vector<std::uint32_t> lengths(n);
  for (std::size_t i = 0; i < n; ++i) {
    row_ids[i] = reader.u32();
    if (row_ids[i] >= corpus_rows || (i > 0 && row_ids[i] <= row_ids[i - 1])) {
      throw corrupt("row ids out of order at entry " + std::to_string(i));
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    lengths[i] = reader.u32();
    if (lengths[i] == 0 || lengths[i] > 64 * slot_words) {
      throw corrupt("fingerprint length " + std::to_string(lengths[i]) + " at entry " + std::to_string(i));
    }
  }

  FingerprintIndex index;
  index.kind_ = static_cast<FingerprintKind>(kind);
  index.corpus_rows_ = static_cast<std::size_t>(corpus_rows);
  index.slot_words_ = slot_words;
  index.rows_ = std::move(row_ids);
  index.bits_ = std::move(lengths);
  index.words_.resize(n * slot_words);
  index.popcounts_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t on = 0;
    for (std::size_t w = 0; w < slot_words; ++w) {
      std::uint64_t word = reader.u64();
      const std::size_t first_bit = w * 64;
      // Bits past the fingerprint's length must be zero: the scan relies on it.
      if (first_bit + 64 > index.bits_[i]) {
        const std::uint64_t valid =
            first_bit >= index.bits_[i] ? 0 : (~std::uint64_t{0} >> (64 - (index.bits_[i] - first_bit)));
        if ((word & ~valid) != 0) throw corrupt("bits set past the fingerprint length at entry " + std::to_string(i));
      }
      index.words_[i * slot_words + w] = word;
      on += static_cast<std::uint32_t>(__builtin_popcountll(word));
    }
    index.popcounts_[i] = on;
  }
  std::size_t next = 0;
  for (std::uint32_t row = 0; row < corpus_rows; ++row) {
    if (next < n && index.rows_[next] == row) {
      ++next;
    } else {
      index.unparsable_rows_.push_back(row);
    }
  }
  try {
    index.index_lengths();
  } catch (const std::invalid_argument& error) {
    throw corrupt(error.what());
  }
  return index;
}

}  // namespace icma::retrieval
