// BM25 index: build (tokens -> Lucene++ + bm25.json) and open (postings ->
// memory, with rank_bm25's weights precomputed). Queries: bm25_query.cpp.
//
// Every number is made the way rank_bm25 0.2.2 (BM25Okapi) and numpy make it,
// operation by operation, so that scores agree to the last bit or nearly.
// (The build uses -std=c++17, under which GCC does not fuse a*b+c into FMAs,
// which would round differently from numpy.)

#include "icma/retrieval/bm25.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <numeric>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "bm25_lucene.hpp"
#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/core/utf8.hpp"

namespace icma::retrieval {
namespace {

namespace fs = std::filesystem;

// dir/bm25.json describes the index; dir/lucene holds the terms.
const char* const kMetaFile = "bm25.json";
const char* const kLuceneDir = "lucene";
const char* const kFormat = "icma-bm25";
constexpr int kFormatVersion = 1;

// ---- build helpers ------------------------------------------------------------

// A directory beside the target that is removed again unless released.
class StagingDirectory {
 public:
  explicit StagingDirectory(const fs::path& target) {
    std::string pattern = target.string() + ".partial-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      throw Error(target.string() + ": cannot create a staging directory beside it");
    }
    path_ = pattern;
  }
  ~StagingDirectory() {
    if (released_) return;
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  StagingDirectory(const StagingDirectory&) = delete;
  StagingDirectory& operator=(const StagingDirectory&) = delete;

  const fs::path& path() const { return path_; }
  // Renames the directory to `target`, which then owns it.
  void move_to(const fs::path& target) {
    std::error_code error;
    fs::rename(path_, target, error);
    if (error) throw Error(target.string() + ": cannot move the finished index into place: " + error.message());
    released_ = true;
  }

 private:
  fs::path path_;
  bool released_ = false;
};

void check_params(const Bm25Params& params) {
  if (!std::isfinite(params.k1) || !std::isfinite(params.b) || !std::isfinite(params.epsilon)) {
    throw InputError("BM25 parameters k1, b and epsilon must be finite numbers");
  }
}

// ---- bm25.json --------------------------------------------------------------------

struct IndexMeta {
  Bm25Analyzer analyzer = Bm25Analyzer::icma;
  Bm25Params params;
  std::vector<std::uint32_t> document_lengths;  // [rows], tokens per document
  std::uint64_t total_tokens = 0;
  std::size_t vocabulary_size = 0;
};

std::string meta_json(const IndexMeta& meta) {
  nlohmann::ordered_json json;
  json["format"] = kFormat;
  json["format_version"] = kFormatVersion;
  json["analyzer"] = bm25_analyzer_name(meta.analyzer);
  json["k1"] = meta.params.k1;
  json["b"] = meta.params.b;
  json["epsilon"] = meta.params.epsilon;
  json["documents"] = meta.document_lengths.size();
  json["total_tokens"] = meta.total_tokens;
  json["vocabulary_size"] = meta.vocabulary_size;
  // Exact lengths: Lucene's norms would round them to one byte.
  json["document_lengths"] = meta.document_lengths;
  return json.dump() + "\n";
}

IndexMeta read_meta(const std::string& dir) {
  const std::string path = (fs::path(dir) / kMetaFile).string();
  if (!fs::is_regular_file(path)) throw InputError(dir, 0, std::string("not a BM25 index (") + kMetaFile + " is missing)");
  IndexMeta meta;
  try {
    const auto json = nlohmann::json::parse(read_file(path));
    if (json.value("format", "") != kFormat) throw InputError(path, 0, std::string("not a ") + kFormat + " file");
    if (json.at("format_version").get<int>() != kFormatVersion) {
      throw InputError(path, 0, "format version " + json.at("format_version").dump() + " is not supported (expected " +
                                    std::to_string(kFormatVersion) + "); rebuild the index");
    }
    meta.analyzer = parse_bm25_analyzer(json.at("analyzer").get<std::string>());
    meta.params.k1 = json.at("k1").get<double>();
    meta.params.b = json.at("b").get<double>();
    meta.params.epsilon = json.at("epsilon").get<double>();
    meta.document_lengths = json.at("document_lengths").get<std::vector<std::uint32_t>>();
    meta.total_tokens = json.at("total_tokens").get<std::uint64_t>();
    meta.vocabulary_size = json.at("vocabulary_size").get<std::size_t>();
    if (json.at("documents").get<std::size_t>() != meta.document_lengths.size()) {
      throw InputError(path, 0, "\"documents\" disagrees with the number of document lengths");
    }
  } catch (const nlohmann::json::exception& error) {
    throw InputError(path, 0, std::string("malformed: ") + error.what());
  }
  return meta;
}

// ---- rank_bm25's BM25Okapi ----------------------------------------------------------

// _calc_idf: idf in the vocabulary's first-appearance order (Python dict
// order), summed in that order for the mean; then every negative idf becomes
// epsilon * mean. `document_frequency` is n(t) in that order.
std::vector<double> okapi_idf(const std::vector<std::uint32_t>& document_frequency, std::size_t corpus_size,
                              double epsilon) {
  std::vector<double> idf(document_frequency.size());
  double idf_sum = 0;
  for (std::size_t t = 0; t < idf.size(); ++t) {
    const std::uint32_t freq = document_frequency[t];
    idf[t] = std::log(static_cast<double>(corpus_size - freq) + 0.5) - std::log(static_cast<double>(freq) + 0.5);
    idf_sum += idf[t];
  }
  if (idf.empty()) return idf;  // rank_bm25 would divide by zero; nothing to floor
  const double average_idf = idf_sum / static_cast<double>(idf.size());
  const double eps = epsilon * average_idf;
  for (double& value : idf) {
    if (value < 0) value = eps;
  }
  return idf;
}

// get_scores computes, per document,
//   idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * doc_len / avgdl)))
// with numpy evaluating left to right as written: (b * doc_len) / avgdl, then
// (1 - b) + that, times k1. The per-document part:
double length_norm(std::uint32_t doc_len, double avgdl, const Bm25Params& p) {
  return p.k1 * ((1 - p.b) + (p.b * static_cast<double>(doc_len)) / avgdl);
}
double okapi_weight(double idf, std::uint32_t tf, double norm, const Bm25Params& p) {
  const double freq = static_cast<double>(tf);
  return idf * ((freq * (p.k1 + 1)) / (freq + norm));
}

// The postings read from Lucene++ must agree with bm25.json: same number of
// documents and terms, and each row's term frequencies must add up to its
// stored length, which catches tokens Lucene++ dropped and documents out of
// row order.
void check_postings_agree(const std::string& dir, const IndexMeta& meta, const lucene::StoredPostings& stored) {
  const std::size_t rows = meta.document_lengths.size();
  const auto corrupt = [&dir](const std::string& what) {
    return InputError(dir, 0, "corrupt BM25 index: " + what + "; rebuild it");
  };
  if (stored.document_count != rows) {
    throw corrupt("Lucene++ holds " + std::to_string(stored.document_count) + " documents, " + kMetaFile + " " +
                  std::to_string(rows));
  }
  if (stored.terms.size() != meta.vocabulary_size) throw corrupt("the vocabulary size differs from when it was built");

  std::vector<std::uint64_t> tokens_seen(rows, 0);
  for (std::size_t i = 0; i < stored.rows.size(); ++i) {
    if (stored.rows[i] >= rows) throw corrupt("a posting names a document beyond the last row");
    tokens_seen[stored.rows[i]] += stored.freqs[i];
  }
  for (std::size_t row = 0; row < rows; ++row) {
    if (tokens_seen[row] != meta.document_lengths[row]) {
      throw corrupt("the terms of row " + std::to_string(row) + " do not add up to its stored length");
    }
  }
  const std::uint64_t total_tokens = std::accumulate(tokens_seen.begin(), tokens_seen.end(), std::uint64_t{0});
  if (total_tokens != meta.total_tokens) throw corrupt("the total token count differs from when it was built");
}

}  // namespace

// ---- build --------------------------------------------------------------------------

void Bm25Index::build(const std::string& dir, const std::vector<std::string>& documents, Bm25Analyzer analyzer,
                      Bm25Params params) {
  check_params(params);
  const fs::path target(dir);
  if (fs::exists(target)) throw InputError(dir, 0, "already exists (a BM25 index is built into a new directory)");
  if (documents.size() > std::numeric_limits<std::int32_t>::max()) {
    throw InputError("too many documents for one Lucene++ index (at most 2^31 - 1)");
  }
  if (target.has_parent_path()) fs::create_directories(target.parent_path());

  StagingDirectory staging(target);
  lucene::TermIndexWriter writer((staging.path() / kLuceneDir).string());
  IndexMeta meta;
  meta.analyzer = analyzer;
  meta.params = params;
  meta.document_lengths.reserve(documents.size());
  std::unordered_set<std::string> vocabulary;
  for (std::size_t row = 0; row < documents.size(); ++row) {
    if (const std::size_t bad = utf8::find_invalid(documents[row]); bad != std::string::npos) {
      throw InputError("document " + std::to_string(row + 1) + ": invalid UTF-8 at byte " + std::to_string(bad + 1));
    }
    const std::vector<std::string> tokens = bm25_tokenize(analyzer, documents[row]);
    meta.document_lengths.push_back(static_cast<std::uint32_t>(tokens.size()));
    meta.total_tokens += tokens.size();
    vocabulary.insert(tokens.begin(), tokens.end());
    writer.add(row, tokens);
  }
  writer.finish();
  meta.vocabulary_size = vocabulary.size();
  write_file_atomically((staging.path() / kMetaFile).string(), meta_json(meta));
  staging.move_to(target);
}

// ---- open ---------------------------------------------------------------------------

Bm25Index Bm25Index::open(const std::string& dir) {
  if (!fs::is_directory(dir)) throw InputError(dir, 0, "no BM25 index here (not a directory)");
  const IndexMeta meta = read_meta(dir);
  const lucene::StoredPostings stored = lucene::read_postings((fs::path(dir) / kLuceneDir).string());
  check_postings_agree(dir, meta, stored);
  const std::size_t rows = meta.document_lengths.size();

  Bm25Index index;
  index.analyzer_ = meta.analyzer;
  index.params_ = meta.params;
  index.document_count_ = rows;

  // Term ids in first-appearance order, which is rank_bm25's vocabulary
  // (dict insertion) order: by first row, then by position in that row.
  const std::size_t terms = stored.terms.size();
  std::vector<std::uint32_t> by_appearance(terms);
  std::iota(by_appearance.begin(), by_appearance.end(), 0u);
  std::sort(by_appearance.begin(), by_appearance.end(), [&stored](std::uint32_t a, std::uint32_t b) {
    return stored.first_occurrence[a] < stored.first_occurrence[b];
  });
  std::vector<std::uint32_t> document_frequency(terms);
  for (std::size_t id = 0; id < terms; ++id) {
    const std::uint32_t t = by_appearance[id];
    document_frequency[id] = static_cast<std::uint32_t>(stored.begin[t + 1] - stored.begin[t]);
  }
  const std::vector<double> idf = okapi_idf(document_frequency, rows, meta.params.epsilon);

  // avgdl = num_doc / corpus_size, a Python int / int: correctly rounded,
  // as the double division of the two (exact) counts is.
  const double avgdl = rows == 0 ? 0.0 : static_cast<double>(meta.total_tokens) / static_cast<double>(rows);
  std::vector<double> norms(rows);
  for (std::size_t row = 0; row < rows; ++row) norms[row] = length_norm(meta.document_lengths[row], avgdl, meta.params);

  index.term_ids_.reserve(terms);
  index.posting_begin_.reserve(terms + 1);
  index.posting_begin_.push_back(0);
  index.dense_slot_.assign(terms, kSparse);
  std::uint32_t dense_terms = 0;
  for (std::uint32_t id = 0; id < terms; ++id) {
    const std::uint32_t t = by_appearance[id];
    index.term_ids_.emplace(stored.terms[t], id);
    const bool dense = 2 * std::size_t{document_frequency[id]} >= rows;
    if (dense) {
      index.dense_slot_[id] = dense_terms++;
      index.dense_weights_.resize(std::size_t{dense_terms} * rows, 0.0);
    }
    double* const dense_row = dense ? &index.dense_weights_[std::size_t{index.dense_slot_[id]} * rows] : nullptr;
    for (std::size_t i = stored.begin[t]; i < stored.begin[t + 1]; ++i) {
      const std::uint32_t row = stored.rows[i];
      const double weight = okapi_weight(idf[id], stored.freqs[i], norms[row], meta.params);
      if (dense) {
        dense_row[row] = weight;
      } else {
        index.posting_rows_.push_back(row);
        index.posting_weights_.push_back(weight);
      }
    }
    index.posting_begin_.push_back(index.posting_rows_.size());
  }
  return index;
}

}  // namespace icma::retrieval
