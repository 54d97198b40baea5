// The models of a tokenizer.json: BPE, WordPiece and WordLevel, as Hugging
// Face tokenizers implements them (models/bpe/{model,word,serialization}.rs,
// models/wordpiece, models/wordlevel), re-written here:
//
// BPE. A word starts as one symbol per character (looked up with the
//   continuing_subword_prefix on all but the first and the end_of_word_suffix
//   on the last; characters not in the vocabulary become <0xXX> byte tokens
//   under byte_fallback, else the unk token, fused when fuse_unk, else they
//   are dropped). Then merges are applied with a min-heap ordered by (rank,
//   position): the lowest-ranked pair anywhere, leftmost first; entries made
//   stale by an earlier merge are skipped when the pair now at their position
//   no longer produces the same token. The rank of a merge is its index in
//   "merges" (a duplicate pair keeps the last index, as HF's map does).
//   ignore_merges: a word that is itself in the vocabulary is one token.
//   Words are cached (only those < 256 bytes, at most ~64k entries, as HF
//   caches 10k); dropout must be null or 0 (icma is deterministic).

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "icma/core/error.hpp"
#include "json_fields.hpp"
#include "pipeline.hpp"

namespace icma::tokenizer::detail {
namespace {

using nlohmann::json;

// Length of the UTF-8 sequence that starts at text[i] (1 for a stray byte),
// never past the end.
std::size_t char_length(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  std::size_t n = 1;
  if (lead >= 0xF0) {
    n = 4;
  } else if (lead >= 0xE0) {
    n = 3;
  } else if (lead >= 0xC0) {
    n = 2;
  }
  n = std::min(n, text.size() - i);
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return k;
  }
  return n;
}

std::size_t char_count(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); i += char_length(text, i)) ++count;
  return count;
}

// token -> id, with lookups by string_view (no allocation), and id -> token.
class Vocab {
 public:
  Vocab() = default;

  void build(const json& vocab, const std::string& where) {
    if (!vocab.is_object()) fail(where, "must be an object of token: id");
    keys_.reserve(vocab.size());
    ids_.reserve(vocab.size());
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
      if (!it.value().is_number_integer() || it.value().get<std::int64_t>() < 0 ||
          it.value().get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max()) {
        fail(where + "[\"" + it.key() + "\"]", "id must be an unsigned 32-bit integer");
      }
      keys_.push_back(it.key());
      ids_.push_back(it.value().get<std::uint32_t>());
    }
    std::size_t capacity = 16;
    while (capacity < keys_.size() * 2) capacity *= 2;
    slots_.assign(capacity, kEmpty);
    mask_ = capacity - 1;
    for (std::uint32_t k = 0; k < keys_.size(); ++k) {
      std::size_t slot = std::hash<std::string_view>{}(keys_[k]) & mask_;
      while (slots_[slot] != kEmpty) slot = (slot + 1) & mask_;
      slots_[slot] = k;  // JSON object keys are unique
    }
    // Reverse map: dense when the ids allow it.
    std::uint32_t max_id = 0;
    for (const auto id : ids_) max_id = std::max(max_id, id);
    if (!ids_.empty() && max_id <= 2 * ids_.size() + 1024) {
      dense_.assign(static_cast<std::size_t>(max_id) + 1, kEmpty);
      for (std::uint32_t k = 0; k < keys_.size(); ++k) dense_[ids_[k]] = k;
    } else {
      for (std::uint32_t k = 0; k < keys_.size(); ++k) sparse_[ids_[k]] = k;
    }
  }

  std::optional<std::uint32_t> find(std::string_view token) const {
    if (slots_.empty()) return std::nullopt;
    std::size_t slot = std::hash<std::string_view>{}(token) & mask_;
    while (true) {
      const std::uint32_t k = slots_[slot];
      if (k == kEmpty) return std::nullopt;
      if (keys_[k] == token) return ids_[k];
      slot = (slot + 1) & mask_;
    }
  }

  const std::string* token(std::uint32_t id) const {
    std::uint32_t k = kEmpty;
    if (!dense_.empty()) {
      if (id < dense_.size()) k = dense_[id];
    } else {
      const auto it = sparse_.find(id);
      if (it != sparse_.end()) k = it->second;
    }
    return k == kEmpty ? nullptr : &keys_[k];
  }

  std::size_t size() const { return keys_.size(); }

 private:
  static constexpr std::uint32_t kEmpty = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::string> keys_;
  std::vector<std::uint32_t> ids_;
  std::vector<std::uint32_t> slots_;
  std::size_t mask_ = 0;
  std::vector<std::uint32_t> dense_;
  std::unordered_map<std::uint32_t, std::uint32_t> sparse_;
};

// Optional string field: absent or null -> nullopt.
std::optional<std::string> optional_string(const json& object, const char* key, const std::string& where) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) fail(where + "." + key, "must be a string or null");
  return it->get<std::string>();
}

bool optional_bool(const json& object, const char* key, const std::string& where, bool fallback) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) fail(where + "." + key, "must be true or false");
  return it->get<bool>();
}

// ---- BPE ------------------------------------------------------------------------

// (left id, right id) -> (rank, new id); open addressing.
class MergeMap {
 public:
  struct Value {
    std::uint32_t rank;
    std::uint32_t new_id;
  };

  void reserve(std::size_t n) {
    std::size_t capacity = 16;
    while (capacity < n * 2) capacity *= 2;
    keys_.assign(capacity, kEmpty);
    values_.assign(capacity, Value{0, 0});
    mask_ = capacity - 1;
  }

  // Later insertions of the same pair overwrite (as HF's HashMap collect).
  void insert(std::uint32_t a, std::uint32_t b, Value value) {
    const std::uint64_t key = pack(a, b);
    if (key == kEmpty) {
      max_pair_ = value;
      return;
    }
    std::size_t slot = hash(key) & mask_;
    while (keys_[slot] != kEmpty && keys_[slot] != key) slot = (slot + 1) & mask_;
    keys_[slot] = key;
    values_[slot] = value;
  }

  const Value* find(std::uint32_t a, std::uint32_t b) const {
    const std::uint64_t key = pack(a, b);
    if (key == kEmpty) return max_pair_ ? &*max_pair_ : nullptr;
    std::size_t slot = hash(key) & mask_;
    while (true) {
      const std::uint64_t k = keys_[slot];
      if (k == key) return &values_[slot];
      if (k == kEmpty) return nullptr;
      slot = (slot + 1) & mask_;
    }
  }

 private:
  // The pair (2^32 - 1, 2^32 - 1) packs to the empty marker: kept aside.
  static constexpr std::uint64_t kEmpty = std::numeric_limits<std::uint64_t>::max();
  static std::uint64_t pack(std::uint32_t a, std::uint32_t b) {
    return (static_cast<std::uint64_t>(a) << 32) | b;
  }
  static std::size_t hash(std::uint64_t key) {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return static_cast<std::size_t>(key);
  }
  std::vector<std::uint64_t> keys_;
  std::vector<Value> values_;
  std::size_t mask_ = 0;
  std::optional<Value> max_pair_;
};

// Bounded, thread-safe word -> ids cache, sharded by hash.
class WordCache {
 public:
  static constexpr std::size_t kMaxWordBytes = 256;  // as HF's MAX_LENGTH

  bool get(std::string_view word, std::size_t hash, std::vector<std::uint32_t>& ids) const {
    Shard& shard = shards_[hash % kShards];
    std::lock_guard<std::mutex> lock(shard.mutex);
    const auto it = shard.map.find(key_of(word));
    if (it == shard.map.end()) return false;
    ids.insert(ids.end(), it->second.begin(), it->second.end());
    return true;
  }

  void put(std::string_view word, std::size_t hash, const std::uint32_t* ids, std::size_t count) const {
    Shard& shard = shards_[hash % kShards];
    std::lock_guard<std::mutex> lock(shard.mutex);
    if (shard.map.size() >= kEntriesPerShard) return;  // full: HF stops caching too
    shard.map.emplace(std::string(word), std::vector<std::uint32_t>(ids, ids + count));
  }

 private:
  static constexpr std::size_t kShards = 64;
  static constexpr std::size_t kEntriesPerShard = 1024;
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, std::vector<std::uint32_t>> map;
  };
  static const std::string& key_of(std::string_view word) {
    thread_local std::string key;
    key.assign(word.data(), word.size());
    return key;
  }
  mutable std::array<Shard, kShards> shards_;
};

// What the three models share: a vocabulary, and the token <-> id lookups on it.
class VocabModel : public Model {
 public:
  std::optional<std::uint32_t> token_to_id(std::string_view token) const override { return vocab_.find(token); }
  std::optional<std::string> id_to_token(std::uint32_t id) const override {
    const std::string* token = vocab_.token(id);
    if (token == nullptr) return std::nullopt;
    return *token;
  }
  std::size_t vocab_size() const override { return vocab_.size(); }

 protected:
  Vocab vocab_;
};

class BpeModel final : public VocabModel {
 public:
  BpeModel(const json& model, const std::string& where) {
    if (const auto it = model.find("dropout"); it != model.end() && !it->is_null()) {
      if (!it->is_number()) fail(where + ".dropout", "must be a number or null");
      const double dropout = it->get<double>();
      if (dropout < 0.0 || dropout > 1.0) fail(where + ".dropout", "must be between 0 and 1");
      if (dropout != 0.0) fail(where + ".dropout", "BPE dropout is random; icma supports only null or 0");
    }
    unk_token_ = optional_string(model, "unk_token", where);
    prefix_ = optional_string(model, "continuing_subword_prefix", where);
    suffix_ = optional_string(model, "end_of_word_suffix", where);
    fuse_unk_ = optional_bool(model, "fuse_unk", where, false);
    byte_fallback_ = optional_bool(model, "byte_fallback", where, false);
    ignore_merges_ = optional_bool(model, "ignore_merges", where, false);

    const auto vocab = model.find("vocab");
    if (vocab == model.end()) fail(where + ".vocab", "missing");
    vocab_.build(*vocab, where + ".vocab");
    const auto merges = model.find("merges");
    if (merges == model.end()) fail(where + ".merges", "missing");
    load_merges(*merges, where + ".merges");

    if (unk_token_) unk_id_ = vocab_.find(*unk_token_);
    if (byte_fallback_) {
      static const char* const kHex = "0123456789ABCDEF";
      for (int b = 0; b < 256; ++b) {
        const char name[7] = {'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>', '\0'};
        byte_ids_[b] = vocab_.find(name);
      }
    }
    plain_ = !prefix_ && !suffix_;
  }

  void tokenize(std::string_view text, std::vector<std::uint32_t>& ids) const override {
    if (text.empty()) return;
    if (ignore_merges_) {
      if (const auto id = vocab_.find(text)) {
        ids.push_back(*id);
        return;
      }
    }
    const bool cacheable = text.size() < WordCache::kMaxWordBytes;
    std::size_t hash = 0;
    if (cacheable) {
      hash = std::hash<std::string_view>{}(text);
      if (cache_.get(text, hash, ids)) return;
    }
    const std::size_t first = ids.size();
    merge_word(text, ids);
    if (cacheable) cache_.put(text, hash, ids.data() + first, ids.size() - first);
  }

 private:
  struct Symbol {
    std::uint32_t id;
    std::int32_t prev;
    std::int32_t next;
    std::uint32_t len;  // bytes; 0 = merged away
  };
  struct Merge {
    std::uint32_t rank;
    std::uint32_t pos;
    std::uint32_t new_id;
    // std::priority_queue pops the greatest: make the lowest (rank, pos) greatest.
    bool operator<(const Merge& other) const {
      if (rank != other.rank) return rank > other.rank;
      return pos > other.pos;
    }
  };

  void load_merges(const json& merges, const std::string& where) {
    if (!merges.is_array()) fail(where, "must be an array");
    merges_.reserve(merges.size());
    const std::size_t prefix_len = prefix_ ? prefix_->size() : 0;
    std::string left;
    std::string right;
    for (std::size_t i = 0; i < merges.size(); ++i) {
      const json& merge = merges[i];
      const std::string at = where + "[" + std::to_string(i) + "]";
      if (merge.is_string()) {
        const std::string& line = merge.get_ref<const std::string&>();
        const auto space = line.find(' ');
        if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos) {
          fail(at, "a merge string must be two tokens separated by one space");
        }
        left = line.substr(0, space);
        right = line.substr(space + 1);
      } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
        left = merge[0].get<std::string>();
        right = merge[1].get<std::string>();
      } else {
        fail(at, "a merge must be a string \"a b\" or an array [\"a\", \"b\"]");
      }
      const auto left_id = vocab_.find(left);
      if (!left_id) fail(at, "token \"" + left + "\" is not in the vocabulary");
      const auto right_id = vocab_.find(right);
      if (!right_id) fail(at, "token \"" + right + "\" is not in the vocabulary");
      if (right.size() < prefix_len) fail(at, "token \"" + right + "\" is shorter than continuing_subword_prefix");
      const std::string merged = left + right.substr(prefix_len);
      const auto new_id = vocab_.find(merged);
      if (!new_id) fail(at, "merged token \"" + merged + "\" is not in the vocabulary");
      merges_.insert(*left_id, *right_id, {static_cast<std::uint32_t>(i), *new_id});
    }
  }

  std::uint32_t unk_id() const {
    if (!unk_id_) throw Error("tokenizer.json: model.unk_token \"" + *unk_token_ + "\" is not in the vocabulary");
    return *unk_id_;
  }

  void add_symbol(std::vector<Symbol>& symbols, std::uint32_t id, std::size_t len) const {
    const auto n = static_cast<std::int32_t>(symbols.size());
    if (n > 0) symbols.back().next = n;
    symbols.push_back(Symbol{id, n - 1, -1, static_cast<std::uint32_t>(len)});
  }

  // Appends the ids of `word` (non-empty).
  void merge_word(std::string_view word, std::vector<std::uint32_t>& ids) const {
    thread_local std::vector<Symbol> symbols;
    thread_local std::string piece;
    symbols.clear();
    bool have_unk = false;
    std::uint32_t pending_unk = 0;
    std::size_t pending_len = 0;
    for (std::size_t i = 0; i < word.size();) {
      const std::size_t len = char_length(word, i);
      const bool is_first = i == 0;
      const bool is_last = i + len == word.size();
      std::string_view s = word.substr(i, len);
      if (!plain_ && ((!is_first && prefix_) || (is_last && suffix_))) {
        piece.clear();
        if (!is_first && prefix_) piece += *prefix_;
        piece.append(s.data(), s.size());
        if (is_last && suffix_) piece += *suffix_;
        s = piece;
      }
      i += len;
      if (const auto id = vocab_.find(s)) {
        if (have_unk) {
          add_symbol(symbols, pending_unk, pending_len);
          have_unk = false;
        }
        add_symbol(symbols, *id, len);
        continue;
      }
      if (byte_fallback_) {
        bool all = true;
        for (const char c : s) {
          if (!byte_ids_[static_cast<unsigned char>(c)]) {
            all = false;
            break;
          }
        }
        if (all) {
          for (const char c : s) add_symbol(symbols, *byte_ids_[static_cast<unsigned char>(c)], 1);
          continue;
        }
      }
      if (unk_token_) {
        if (have_unk && fuse_unk_) {
          pending_len += len;
        } else {
          if (have_unk) add_symbol(symbols, pending_unk, pending_len);
          pending_unk = unk_id();
          pending_len = len;
          have_unk = true;
        }
      }
    }
    if (have_unk) add_symbol(symbols, pending_unk, pending_len);

    merge_all(symbols);
    for (const Symbol& symbol : symbols) {
      if (symbol.len != 0) ids.push_back(symbol.id);
    }
  }

  void merge_all(std::vector<Symbol>& symbols) const {
    if (symbols.size() < 2) return;
    thread_local std::vector<Merge> heap;
    heap.clear();
    for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
      if (const auto* m = merges_.find(symbols[i].id, symbols[i + 1].id)) {
        heap.push_back(Merge{m->rank, static_cast<std::uint32_t>(i), m->new_id});
      }
    }
    std::make_heap(heap.begin(), heap.end());
    while (!heap.empty()) {
      std::pop_heap(heap.begin(), heap.end());
      const Merge top = heap.back();
      heap.pop_back();
      Symbol& current = symbols[top.pos];
      if (current.len == 0 || current.next == -1) continue;
      const auto next_pos = static_cast<std::size_t>(current.next);
      const Symbol right = symbols[next_pos];
      const auto* target = merges_.find(current.id, right.id);
      if (target == nullptr || target->new_id != top.new_id) continue;  // stale
      current.id = top.new_id;
      current.len += right.len;
      current.next = right.next;
      symbols[next_pos].len = 0;
      if (right.next > -1 && static_cast<std::size_t>(right.next) < symbols.size()) {
        symbols[static_cast<std::size_t>(right.next)].prev = static_cast<std::int32_t>(top.pos);
      }
      if (current.prev >= 0) {
        const Symbol& prev = symbols[static_cast<std::size_t>(current.prev)];
        if (const auto* m = merges_.find(prev.id, current.id)) {
          heap.push_back(Merge{m->rank, static_cast<std::uint32_t>(current.prev), m->new_id});
          std::push_heap(heap.begin(), heap.end());
        }
      }
      if (current.next >= 0) {
        const Symbol& next = symbols[static_cast<std::size_t>(current.next)];
        if (const auto* m = merges_.find(current.id, next.id)) {
          heap.push_back(Merge{m->rank, top.pos, m->new_id});
          std::push_heap(heap.begin(), heap.end());
        }
      }
    }
  }

  MergeMap merges_;
  std::optional<std::string> unk_token_;
  std::optional<std::uint32_t> unk_id_;
  std::optional<std::string> prefix_;
  std::optional<std::string> suffix_;
  bool plain_ = true;
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  std::array<std::optional<std::uint32_t>, 256> byte_ids_{};
  WordCache cache_;
};

// ---- WordPiece ------------------------------------------------------------------

class WordPieceModel final : public VocabModel {
 public:
  WordPieceModel(const json& model, const std::string& where) {
    const auto vocab = model.find("vocab");
    if (vocab == model.end()) fail(where + ".vocab", "missing");
    vocab_.build(*vocab, where + ".vocab");
    unk_token_ = optional_string(model, "unk_token", where).value_or("[UNK]");
    prefix_ = optional_string(model, "continuing_subword_prefix", where).value_or("##");
    if (const auto it = model.find("max_input_chars_per_word"); it != model.end() && !it->is_null()) {
      if (!it->is_number_integer() || it->get<std::int64_t>() < 0) fail(where + ".max_input_chars_per_word", "must be an unsigned integer");
      max_chars_ = it->get<std::size_t>();
    }
  }

  void tokenize(std::string_view text, std::vector<std::uint32_t>& ids) const override {
    if (char_count(text) > max_chars_) {
      ids.push_back(unk_id());
      return;
    }
    const std::size_t first = ids.size();
    std::string candidate;
    std::size_t start = 0;
    while (start < text.size()) {
      std::size_t end = text.size();
      std::optional<std::uint32_t> found;
      while (start < end) {
        std::string_view sub = text.substr(start, end - start);
        if (start > 0) {
          candidate.assign(prefix_);
          candidate.append(sub.data(), sub.size());
          sub = candidate;
        }
        found = vocab_.find(sub);
        if (found) break;
        // Drop the last character of the substring.
        std::size_t last = end - 1;
        while (last > start && (static_cast<unsigned char>(text[last]) & 0xC0) == 0x80) --last;
        end = last;
      }
      if (!found) {
        ids.resize(first);
        ids.push_back(unk_id());
        return;
      }
      ids.push_back(*found);
      start = end;
    }
  }

 private:
  std::uint32_t unk_id() const {
    const auto id = vocab_.find(unk_token_);
    if (!id) throw Error("tokenizer.json: model.unk_token \"" + unk_token_ + "\" is not in the vocabulary");
    return *id;
  }

  std::string unk_token_;
  std::string prefix_;
  std::size_t max_chars_ = 100;
};

// ---- WordLevel ------------------------------------------------------------------

class WordLevelModel final : public VocabModel {
 public:
  WordLevelModel(const json& model, const std::string& where) {
    const auto vocab = model.find("vocab");
    if (vocab == model.end()) fail(where + ".vocab", "missing");
    vocab_.build(*vocab, where + ".vocab");
    unk_token_ = optional_string(model, "unk_token", where).value_or("<unk>");
  }

  void tokenize(std::string_view text, std::vector<std::uint32_t>& ids) const override {
    if (const auto id = vocab_.find(text)) {
      ids.push_back(*id);
      return;
    }
    const auto unk = vocab_.find(unk_token_);
    if (!unk) throw Error("tokenizer.json: model.unk_token \"" + unk_token_ + "\" is not in the vocabulary");
    ids.push_back(*unk);
  }

 private:
  std::string unk_token_;
};

}  // namespace

std::unique_ptr<Model> make_model(const json& model, const std::string& where) {
  if (model.is_null()) return nullptr;
  if (!model.is_object()) fail(where, "must be an object");
  std::string type;
  if (const auto it = model.find("type"); it != model.end() && !it->is_null()) {
    if (!it->is_string()) fail(where + ".type", "must be a string");
    type = it->get<std::string>();
  } else {
    // Older files (GPT-2's) have no "type": HF tries BPE, WordPiece,
    // WordLevel, Unigram in turn; tell them apart by their fields.
    const auto vocab = model.find("vocab");
    if (model.contains("merges")) {
      type = "BPE";
    } else if (vocab != model.end() && vocab->is_array()) {
      type = "Unigram";
    } else if (model.contains("continuing_subword_prefix") || model.contains("max_input_chars_per_word")) {
      type = "WordPiece";
    } else {
      type = "WordLevel";
    }
  }
  if (type == "BPE") return std::make_unique<BpeModel>(model, where);
  if (type == "WordPiece") return std::make_unique<WordPieceModel>(model, where);
  if (type == "WordLevel") return std::make_unique<WordLevelModel>(model, where);
  if (type == "Unigram") fail(where + ".type", "Unigram models are not supported (use the SentencePiece path)");
  fail(where + ".type", "unknown model type \"" + type + "\"");
}

}  // namespace icma::tokenizer::detail
