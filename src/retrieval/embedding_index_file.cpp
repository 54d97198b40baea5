// The embedding index file: our own small binary format, little-endian,
// version 1. n = rows with a vector, d = dimension.
//
//   offset        size      field
//   0             8         magic "ICMAEMBX"
//   8             4         format version (1)
//   12            4         d
//   16            8         corpus rows (with a vector or not)
//   24            8         n
//   32            4n        corpus row of each vector, strictly ascending
//   32+4n         4nd       the vectors, float32, row-major
//   32+4n+4nd     8         FNV-1a 64 of every byte before it
//
// numpy reads the vectors as
//   np.fromfile(f, "<f4", count=n*d, offset=32+4*n).reshape(n, d)

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/retrieval/embedding_index.hpp"

namespace icma::retrieval {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the embedding file is written by memcpy on little-endian hosts");

constexpr char kMagic[8] = {'I', 'C', 'M', 'A', 'E', 'M', 'B', 'X'};
constexpr std::uint32_t kFormatVersion = 1;
constexpr std::size_t kHeaderBytes = 32;

std::uint64_t fnv1a(const char* bytes, std::size_t size) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (std::size_t i = 0; i < size; ++i) {
    hash ^= static_cast<unsigned char>(bytes[i]);
    hash *= 1099511628211ULL;
  }
  return hash;
}

template <typename T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

template <typename T>
T get(const std::string& data, std::size_t offset) {
  T value;
  std::memcpy(&value, data.data() + offset, sizeof value);
  return value;
}

}  // namespace

void EmbeddingIndex::save(const std::string& path) const {
  std::string data;
  data.reserve(kHeaderBytes + 4 * rows_.size() + 4 * values_.size() + 8);
  data.append(kMagic, sizeof kMagic);
  put<std::uint32_t>(data, kFormatVersion);
  put<std::uint32_t>(data, static_cast<std::uint32_t>(dim_));
  put<std::uint64_t>(data, corpus_rows_);
  put<std::uint64_t>(data, rows_.size());
  data.append(reinterpret_cast<const char*>(rows_.data()), 4 * rows_.size());
  data.append(reinterpret_cast<const char*>(values_.data()), 4 * values_.size());
  put<std::uint64_t>(data, fnv1a(data.data(), data.size()));
  write_file_atomically(path, data);
}

EmbeddingIndex EmbeddingIndex::load(const std::string& path) {
  const std::string data = read_file(path);  // InputError when missing
  const auto corrupt = [&](const std::string& what) {
    return InputError(path, 0, "not a valid embedding index (" + what + "); rebuild the index");
  };
  if (data.size() < kHeaderBytes + 8 || std::memcmp(data.data(), kMagic, sizeof kMagic) != 0) {
    throw corrupt("no ICMAEMBX header");
  }
  const auto version = get<std::uint32_t>(data, 8);
  if (version != kFormatVersion) {
    throw InputError(path, 0, "embedding index format version " + std::to_string(version) + ", this build reads " +
                                  std::to_string(kFormatVersion) + "; rebuild the index");
  }
  const auto dim = get<std::uint32_t>(data, 12);
  const auto corpus_rows = get<std::uint64_t>(data, 16);
  const auto searchable = get<std::uint64_t>(data, 24);
  if (dim == 0 || dim > 65536) throw corrupt("dimension " + std::to_string(dim));
  if (corpus_rows >= std::numeric_limits<std::uint32_t>::max() || searchable > corpus_rows) {
    throw corrupt("row counts " + std::to_string(searchable) + " of " + std::to_string(corpus_rows));
  }
  const std::uint64_t expected = kHeaderBytes + 4 * searchable + 4 * searchable * dim + 8;
  if (data.size() != expected) {
    throw corrupt(std::to_string(data.size()) + " bytes where the header implies " + std::to_string(expected));
  }
  if (fnv1a(data.data(), data.size() - 8) != get<std::uint64_t>(data, data.size() - 8)) throw corrupt("checksum mismatch");

  EmbeddingIndex index;
  index.dim_ = dim;
  index.corpus_rows_ = static_cast<std::size_t>(corpus_rows);
  index.rows_.resize(static_cast<std::size_t>(searchable));
  index.values_.resize(static_cast<std::size_t>(searchable) * dim);
  std::memcpy(index.rows_.data(), data.data() + kHeaderBytes, 4 * index.rows_.size());
  std::memcpy(index.values_.data(), data.data() + kHeaderBytes + 4 * index.rows_.size(), 4 * index.values_.size());
  index.slot_of_row_.assign(index.corpus_rows_, -1);
  for (std::size_t i = 0; i < index.rows_.size(); ++i) {
    if (index.rows_[i] >= corpus_rows || (i > 0 && index.rows_[i] <= index.rows_[i - 1])) {
      throw corrupt("row ids out of order at entry " + std::to_string(i));
    }
    index.slot_of_row_[index.rows_[i]] = static_cast<std::int64_t>(i);
  }
  return index;
}

}  // namespace icma::retrieval
