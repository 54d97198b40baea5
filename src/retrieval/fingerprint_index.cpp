// Building and searching the fingerprint index. The file format is in
// fingerprint_index_file.cpp, the similarity scan in fingerprint_scan.hpp.

#include "icma/retrieval/fingerprint_index.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "fingerprint_scan.hpp"
#include "icma/chem/retrieval_fingerprints.hpp"
#include "icma/core/error.hpp"
#include "icma/core/parallel.hpp"

namespace icma::retrieval {
namespace {

constexpr std::size_t kWordBits = 64;

std::size_t words_for(std::size_t bits) { return (bits + kWordBits - 1) / kWordBits; }

// The longest fingerprint of each kind, which sets the slot size of build().
std::size_t max_bits(FingerprintKind kind) {
  switch (kind) {
    case FingerprintKind::morgan: return 2048;
    case FingerprintKind::rdk: return 2048;
    case FingerprintKind::maccs: return 167;
  }
  throw std::invalid_argument("unknown fingerprint kind");
}

std::uint32_t popcount_words(const std::uint64_t* words, std::size_t count) {
  std::uint32_t on = 0;
  for (std::size_t i = 0; i < count; ++i) on += static_cast<std::uint32_t>(__builtin_popcountll(words[i]));
  return on;
}

// Copies a fingerprint's words into a zeroed slot.
void store(const chem::BitFingerprint& fingerprint, std::uint64_t* slot) {
  std::copy(fingerprint.words().begin(), fingerprint.words().end(), slot);
}

}  // namespace

// ---- kinds ---------------------------------------------------------------------

FingerprintKind parse_fingerprint_kind(const std::string& name) {
  if (name == "morgan") return FingerprintKind::morgan;
  if (name == "rdk") return FingerprintKind::rdk;
  if (name == "maccs") return FingerprintKind::maccs;
  throw InputError("unknown fingerprint kind '" + name + "' (expected morgan, rdk or maccs)");
}

const char* fingerprint_kind_name(FingerprintKind kind) {
  switch (kind) {
    case FingerprintKind::morgan: return "morgan";
    case FingerprintKind::rdk: return "rdk";
    case FingerprintKind::maccs: return "maccs";
  }
  return "unknown";
}

chem::BitFingerprint compute_fingerprint(FingerprintKind kind, const chem::Molecule& molecule) {
  switch (kind) {
    case FingerprintKind::morgan: return chem::morgan_bit_fingerprint(molecule);
    case FingerprintKind::rdk: return chem::fingerprintmols_fingerprint(molecule);
    case FingerprintKind::maccs: return chem::maccs_fingerprint(molecule);
  }
  throw std::invalid_argument("unknown fingerprint kind");
}

// ---- building --------------------------------------------------------------------

FingerprintIndex FingerprintIndex::build(const std::vector<std::string>& smiles, FingerprintKind kind,
                                         unsigned threads) {
  if (smiles.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw std::invalid_argument("a fingerprint index holds at most 2^32 - 1 rows");
  }
  FingerprintIndex index;
  index.kind_ = kind;
  index.corpus_rows_ = smiles.size();
  index.slot_words_ = words_for(max_bits(kind));

  // Every corpus row gets a slot first, so that workers write disjoint
  // memory; unparsable rows (length 0) are squeezed out afterwards.
  const std::size_t slot = index.slot_words_;
  index.words_.assign(smiles.size() * slot, 0);
  index.bits_.assign(smiles.size(), 0);
  parallel_for(smiles.size(), threads, /*chunk=*/64, [&](std::size_t begin, std::size_t end) {
    for (std::size_t row = begin; row < end; ++row) {
      const auto molecule = chem::Molecule::from_smiles(smiles[row]);
      if (!molecule) continue;
      const chem::BitFingerprint fingerprint = compute_fingerprint(kind, *molecule);
      if (fingerprint.size() == 0 || fingerprint.words().size() > slot) {
        throw Error("fingerprint of " + std::to_string(fingerprint.size()) + " bits does not fit a " +
                    fingerprint_kind_name(kind) + " index");
      }
      store(fingerprint, &index.words_[row * slot]);
      index.bits_[row] = static_cast<std::uint32_t>(fingerprint.size());
    }
  });

  std::size_t kept = 0;
  for (std::size_t row = 0; row < smiles.size(); ++row) {
    if (index.bits_[row] == 0) {
      index.unparsable_rows_.push_back(static_cast<std::uint32_t>(row));
      continue;
    }
    if (kept != row) {
      std::memmove(&index.words_[kept * slot], &index.words_[row * slot], slot * sizeof(std::uint64_t));
      index.bits_[kept] = index.bits_[row];
    }
    index.rows_.push_back(static_cast<std::uint32_t>(row));
    ++kept;
  }
  index.words_.resize(kept * slot);
  index.words_.shrink_to_fit();
  index.bits_.resize(kept);
  index.bits_.shrink_to_fit();
  index.popcounts_.resize(kept);
  for (std::size_t i = 0; i < kept; ++i) index.popcounts_[i] = popcount_words(&index.words_[i * slot], slot);
  index.index_lengths();
  return index;
}

FingerprintIndex FingerprintIndex::from_fingerprints(FingerprintKind kind,
                                                     const std::vector<std::optional<chem::BitFingerprint>>& rows) {
  if (rows.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw std::invalid_argument("a fingerprint index holds at most 2^32 - 1 rows");
  }
  FingerprintIndex index;
  index.kind_ = kind;
  index.corpus_rows_ = rows.size();
  index.slot_words_ = 1;
  for (const auto& fingerprint : rows) {
    if (!fingerprint) continue;
    if (fingerprint->size() == 0) throw std::invalid_argument("a fingerprint of 0 bits cannot be indexed");
    index.slot_words_ = std::max(index.slot_words_, fingerprint->words().size());
  }
  for (std::size_t row = 0; row < rows.size(); ++row) {
    if (!rows[row]) {
      index.unparsable_rows_.push_back(static_cast<std::uint32_t>(row));
      continue;
    }
    const std::size_t at = index.rows_.size();
    index.rows_.push_back(static_cast<std::uint32_t>(row));
    index.bits_.push_back(static_cast<std::uint32_t>(rows[row]->size()));
    index.words_.resize((at + 1) * index.slot_words_, 0);
    store(*rows[row], &index.words_[at * index.slot_words_]);
    index.popcounts_.push_back(popcount_words(&index.words_[at * index.slot_words_], index.slot_words_));
  }
  index.index_lengths();
  return index;
}

void FingerprintIndex::index_lengths() {
  lengths_.clear();
  size_class_.assign(bits_.size(), 0);
  for (std::size_t i = 0; i < bits_.size(); ++i) {
    auto found = std::find_if(lengths_.begin(), lengths_.end(),
                              [&](const LengthClass& length) { return length.bits == bits_[i]; });
    if (found == lengths_.end()) {
      if (lengths_.size() == std::numeric_limits<std::uint8_t>::max()) {
        throw std::invalid_argument("a fingerprint index takes at most 255 different fingerprint lengths");
      }
      lengths_.push_back({bits_[i], 0});
      found = lengths_.end() - 1;
    }
    found->max_popcount = std::max(found->max_popcount, popcounts_[i]);
    size_class_[i] = static_cast<std::uint8_t>(found - lengths_.begin());
  }
}

std::optional<chem::BitFingerprint> FingerprintIndex::fingerprint(std::uint32_t row) const {
  const auto found = std::lower_bound(rows_.begin(), rows_.end(), row);
  if (found == rows_.end() || *found != row) return std::nullopt;
  const std::size_t at = static_cast<std::size_t>(found - rows_.begin());
  chem::BitFingerprint fingerprint(bits_[at]);
  for (std::size_t w = 0; w < slot_words_; ++w) {
    for (std::uint64_t word = words_[at * slot_words_ + w]; word != 0; word &= word - 1) {
      fingerprint.set(w * kWordBits + static_cast<std::size_t>(__builtin_ctzll(word)));
    }
  }
  return fingerprint;
}

// ---- searching --------------------------------------------------------------------

std::vector<Neighbour> FingerprintIndex::top_k(const chem::BitFingerprint& query, std::size_t k,
                                               std::optional<std::uint32_t> exclude_row) const {
  if (query.size() == 0) throw std::invalid_argument("top_k with a 0-bit query fingerprint");
  if (k == 0 || rows_.empty()) return {};

  detail::ScanInput input;
  input.rows = rows_.data();
  input.popcounts = popcounts_.data();
  input.words = words_.data();
  input.size_class = size_class_.data();
  input.count = rows_.size();
  input.slot_words = slot_words_;
  input.exclude_row = exclude_row;
  std::vector<detail::LengthPlan> plans;
  plans.reserve(lengths_.size());
  for (const LengthClass& length : lengths_) {
    plans.push_back(detail::plan_length(query, length.bits, length.max_popcount));
  }
  input.plans = plans.data();

  detail::TopK top(std::min(k, rows_.size()));
  detail::scan(input, top);
  return std::move(top).ranked();
}

}  // namespace icma::retrieval
