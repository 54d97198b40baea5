#include "icma/retrieval/corpus_index.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>

#include "icma/core/atomic_directory.hpp"
#include "icma/core/atomic_file.hpp"
#include "icma/core/parallel.hpp"
#include "icma/core/progress.hpp"
#include "icma/core/error.hpp"
#include "icma/core/file_checksums.hpp"
#include "icma/core/output_ownership.hpp"
#include "icma/core/sha256.hpp"
#include "icma/core/version.hpp"
#include "icma/chem/molecule.hpp"
#include "icma/data/dataset.hpp"

namespace icma::retrieval {
namespace fs = std::filesystem;

namespace {

// 2: the manifest lists every file's size and SHA-256 ("files").
constexpr int kFormatVersion = 2;
constexpr const char* kGnnFile = "gnn.emb";
constexpr const char* kSentenceFile = "sentence.emb";

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

// An earlier index, which a build may replace: a manifest of ours and only
// the files an index holds. Anything else (a corpus, notes) belongs to the
// user and makes the directory one a build refuses to replace.
bool holds_an_index(const std::string& dir) {
  static const char* const kFiles[] = {"manifest.json", "ids.txt", "bm25",    "morgan.fp",
                                       "rdk.fp",        "maccs.fp", kGnnFile, kSentenceFile};
  try {
    if (!nlohmann::json::parse(read_file(dir + "/manifest.json")).contains("format_version")) return false;
  } catch (const std::exception&) {
    return false;
  }
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (std::none_of(std::begin(kFiles), std::end(kFiles), [&](const char* file) { return name == file; })) return false;
  }
  return true;
}

std::string fingerprint_file(FingerprintKind kind) { return std::string(fingerprint_kind_name(kind)) + ".fp"; }

// Embeds the corpus with the caller's GNN, writes gnn.emb, and returns the
// manifest's "gnn" section. Rows without a vector are left out of GNN search;
// those whose SMILES parses (e.g. the empty molecule) are warned about here,
// the unparsable ones were already.
nlohmann::json build_gnn_embeddings(const IndexBuildOptions& options, const data::Dataset& corpus,
                                    const std::vector<std::string>& smiles, const std::vector<char>& parses,
                                    const std::string& staging) {
  const auto start = std::chrono::steady_clock::now();
  const CorpusEmbeddings embeddings = options.gnn(smiles);
  if (embeddings.rows.size() != smiles.size()) throw Error("the GNN embedded a different number of molecules");
  EmbeddingIndex::from_rows(embeddings.rows).save(staging + "/" + kGnnFile);
  nlohmann::json missing = nlohmann::json::array();
  for (std::size_t row = 0; row < smiles.size(); ++row) {
    if (embeddings.rows.present(row)) continue;
    const data::MoleculeRecord& record = corpus.records[row];
    if (parses[row]) {
      spdlog::warn("{}:{}: {}; row left out of GNN search", options.corpus_path, record.line, embeddings.rows.missing[row]);
    }
    missing.push_back({{"row", row}, {"line", record.line}, {"cid", record.cid}, {"reason", embeddings.rows.missing[row]}});
  }
  spdlog::info("GNN embeddings ({} dimensions) built in {:.2f} s", embeddings.rows.dim,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  nlohmann::json section = embeddings.info;
  section["file"] = kGnnFile;
  section["dim"] = embeddings.rows.dim;
  section["normalised"] = "l2";
  section["rows_without_embedding"] = {{"count", missing.size()}, {"rows", missing}};
  return section;
}

// Embeds the corpus captions with the caller's sentence encoder, writes
// sentence.emb, and returns the manifest's "sentence" section.
nlohmann::json build_sentence_embeddings(const IndexBuildOptions& options, const data::Dataset& corpus,
                                         const std::vector<std::string>& captions, const std::string& staging) {
  const auto start = std::chrono::steady_clock::now();
  const CorpusEmbeddings embeddings = options.sentence(captions);
  if (embeddings.rows.size() != captions.size()) throw Error("the sentence encoder embedded a different number of captions");
  EmbeddingIndex::from_rows(embeddings.rows).save(staging + "/" + kSentenceFile);
  nlohmann::json missing = nlohmann::json::array();
  for (std::size_t row = 0; row < captions.size(); ++row) {
    if (embeddings.rows.present(row)) continue;
    const data::MoleculeRecord& record = corpus.records[row];
    spdlog::warn("{}:{}: {}; row left out of sentence search", options.corpus_path, record.line,
                 embeddings.rows.missing[row]);
    missing.push_back({{"row", row}, {"line", record.line}, {"cid", record.cid}, {"reason", embeddings.rows.missing[row]}});
  }
  spdlog::info("sentence embeddings ({} dimensions) built in {:.2f} s", embeddings.rows.dim,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  nlohmann::json section = embeddings.info;
  section["file"] = kSentenceFile;
  section["dim"] = embeddings.rows.dim;
  section["normalised"] = "l2";
  section["rows_without_embedding"] = {{"count", missing.size()}, {"rows", missing}};
  return section;
}

}  // namespace

nlohmann::json build_corpus_index(const IndexBuildOptions& options) {
  refuse_output_over_inputs(options.out_dir, {options.corpus_path});
  check_output_directory(options.out_dir, "an icma index", holds_an_index);
  const std::string corpus_hash = sha256_file_hex(options.corpus_path);
  const data::Dataset corpus = data::read_dataset(options.corpus_path, options.bad_rows);
  if (corpus.records.empty()) throw InputError(options.corpus_path, 0, "no records to index");
  spdlog::info("{}: {} records", options.corpus_path, corpus.records.size());

  AtomicDirectory out(options.out_dir);
  const std::string& staging = out.staging_path();

  std::vector<std::string> captions, smiles;
  captions.reserve(corpus.records.size());
  smiles.reserve(corpus.records.size());
  {
    AtomicFile ids(staging + "/ids.txt");
    for (const data::MoleculeRecord& record : corpus.records) {
      ids.stream() << record.cid << '\n';
      captions.push_back(record.description);
      smiles.push_back(record.smiles);
    }
    ids.commit();
  }

  const auto bm25_start = std::chrono::steady_clock::now();
  Bm25Params bm25_params;
  Bm25Index::build(staging + "/bm25", captions, options.analyzer, bm25_params);
  spdlog::info("BM25 index built in {:.2f} s",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - bm25_start).count());

  // Each molecule is parsed once and fingerprinted for every kind, so that
  // no more than one molecule per thread is alive at a time.
  const auto fingerprint_start = std::chrono::steady_clock::now();
  const std::size_t kinds = options.fingerprints.size();
  std::vector<std::vector<std::optional<chem::BitFingerprint>>> per_kind(
      kinds, std::vector<std::optional<chem::BitFingerprint>>(smiles.size()));
  std::vector<char> parses(smiles.size(), 0);
  {
    Progress progress("fingerprints", smiles.size());
    parallel_for(smiles.size(), options.threads, 64, [&](std::size_t begin, std::size_t end) {
      for (std::size_t row = begin; row < end; ++row) {
        const std::optional<chem::Molecule> molecule = chem::Molecule::from_smiles(smiles[row]);
        if (!molecule) continue;
        parses[row] = 1;
        for (std::size_t k = 0; k < kinds; ++k) per_kind[k][row] = compute_fingerprint(options.fingerprints[k], *molecule);
      }
      progress.advance(end - begin);
    });
  }
  nlohmann::json fingerprints = nlohmann::json::object();
  for (std::size_t k = 0; k < kinds; ++k) {
    const FingerprintKind kind = options.fingerprints[k];
    FingerprintIndex::from_fingerprints(kind, per_kind[k]).save(staging + "/" + fingerprint_file(kind));
    fingerprints[fingerprint_kind_name(kind)] = fingerprint_file(kind);
    per_kind[k] = {};  // free as we go
  }
  spdlog::info("fingerprints ({}) built in {:.2f} s", kinds,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - fingerprint_start).count());

  nlohmann::json unparsable = nlohmann::json::array();
  for (std::size_t row = 0; row < smiles.size(); ++row) {
    if (parses[row]) continue;
    const data::MoleculeRecord& record = corpus.records[row];
    spdlog::warn("{}:{}: SMILES does not parse; row kept for caption search only", options.corpus_path, record.line);
    unparsable.push_back({{"row", row}, {"line", record.line}, {"cid", record.cid}});
  }
  std::optional<nlohmann::json> gnn;
  if (options.gnn) gnn = build_gnn_embeddings(options, corpus, smiles, parses, staging);
  std::optional<nlohmann::json> sentence;
  if (options.sentence) sentence = build_sentence_embeddings(options, corpus, captions, staging);

  nlohmann::json manifest = {
      {"format_version", kFormatVersion},
      {"tool", std::string("icma ") + kVersion},
      {"created", utc_now()},
      {"corpus",
       {{"path", fs::absolute(options.corpus_path).lexically_normal().string()},
        {"sha256", corpus_hash},
        {"rows", corpus.records.size()},
        {"skipped_bad_rows", corpus.skipped_rows}}},
      {"bm25",
       {{"dir", "bm25"},
        {"analyzer", bm25_analyzer_name(options.analyzer)},
        {"k1", bm25_params.k1},
        {"b", bm25_params.b},
        {"epsilon", bm25_params.epsilon}}},
      {"fingerprints", fingerprints},
      {"unparsable_smiles", {{"count", unparsable.size()}, {"rows", unparsable}}}};
  if (gnn) manifest["gnn"] = *gnn;
  if (sentence) manifest["sentence"] = *sentence;
  // Every file's size and SHA-256, checked by open() before any reader
  // (Lucene++ above all, which trusts its files) sees a byte.
  manifest["files"] = directory_checksums(staging, "manifest.json");
  write_file_atomically(staging + "/manifest.json", manifest.dump(2) + "\n");
  out.commit();
  return manifest;
}

nlohmann::json CorpusIndex::read_manifest(const std::string& dir) {
  const std::string path = dir + "/manifest.json";
  if (!fs::is_directory(dir)) throw InputError(dir, 0, "no index here (run icma-index build first)");
  if (!fs::exists(path)) throw InputError(dir, 0, "not an icma index: manifest.json is missing");
  nlohmann::json manifest;
  try {
    manifest = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path, 0, std::string("unreadable manifest: ") + e.what());
  }
  // Checked by hand: value() throws a JSON type error on a manifest that is
  // not an object or whose version is not a number (found by
  // tests/fuzz/index_manifest_fuzz.cpp).
  if (!manifest.is_object()) throw InputError(path, 0, "unreadable manifest: not a JSON object");
  const nlohmann::json version = manifest.contains("format_version") ? manifest["format_version"] : nlohmann::json(0);
  if (!version.is_number_integer() || version.get<std::int64_t>() != kFormatVersion) {
    throw InputError(path, 0, "index format " + version.dump() + " is not the one this build reads (" +
                                  std::to_string(kFormatVersion) + "); rebuild the index");
  }
  return manifest;
}

CorpusIndex CorpusIndex::open(const std::string& dir, bool allow_stale) {
  CorpusIndex index;
  index.dir_ = dir;
  index.manifest_ = read_manifest(dir);
  try {
    verify_directory_checksums(dir, index.manifest_.at("files"), "manifest.json", true,
                               "the index is damaged: rebuild it (icma-index build)");
    const std::string corpus_path = index.manifest_.at("corpus").at("path");
    const std::string expected = index.manifest_.at("corpus").at("sha256");
    std::string problem;
    if (!fs::exists(corpus_path)) {
      problem = "the indexed corpus " + corpus_path + " no longer exists";
    } else if (sha256_file_hex(corpus_path) != expected) {
      problem = "the corpus " + corpus_path + " changed since it was indexed (SHA-256 differs)";
    }
    if (!problem.empty()) {
      if (!allow_stale) throw InputError(dir, 0, problem + "; rebuild the index, or pass --allow-stale");
      spdlog::warn("{}: {}; using the index anyway (--allow-stale)", dir, problem);
    }

    std::ifstream ids(dir + "/ids.txt");
    if (!ids) throw InputError(dir, 0, "ids.txt is missing; rebuild the index");
    for (std::string id; std::getline(ids, id);) {
      index.rows_by_id_.emplace(id, static_cast<std::uint32_t>(index.ids_.size()));
      index.ids_.push_back(std::move(id));
    }
    // Numbers checked before use: get<std::size_t>() of 1e300 is undefined
    // (found by tests/fuzz/index_manifest_fuzz.cpp).
    const nlohmann::json& rows = index.manifest_.at("corpus").at("rows");
    if (!rows.is_number_unsigned() || index.ids_.size() != rows.get<std::size_t>()) {
      throw InputError(dir, 0, "ids.txt does not have the manifest's row count; rebuild the index");
    }

    for (const auto& entry : index.manifest_.at("unparsable_smiles").at("rows")) {
      const nlohmann::json& row = entry.at("row");
      if (!row.is_number_unsigned() || row.get<std::size_t>() >= index.ids_.size()) {
        throw InputError(dir + "/manifest.json", 0, "an unparsable row " + row.dump() + " is not a corpus row");
      }
      index.unparsable_rows_.push_back(row.get<std::uint32_t>());
    }
    std::sort(index.unparsable_rows_.begin(), index.unparsable_rows_.end());  // searched by bisection
    // Every file a reader opens is one whose checksum was just checked.
    const nlohmann::json& files = index.manifest_.at("files");
    const auto checked = [&](const std::string& name) {
      if (!files.contains(name)) throw InputError(dir + "/manifest.json", 0, "names \"" + name + "\", a file it does not list");
      return dir + "/" + name;
    };
    const std::string bm25_dir = index.manifest_.at("bm25").at("dir").get<std::string>();
    checked(bm25_dir + "/bm25.json");
    if (bm25_dir.empty() || bm25_dir.find("..") != std::string::npos || bm25_dir.front() == '/') {
      throw InputError(dir + "/manifest.json", 0, "the BM25 directory \"" + bm25_dir + "\" is not inside the index");
    }
    index.bm25_ = std::make_shared<const Bm25Index>(Bm25Index::open(dir + "/" + bm25_dir));
    for (const auto& [name, file] : index.manifest_.at("fingerprints").items()) {
      const FingerprintKind kind = parse_fingerprint_kind(name);
      auto loaded = std::make_shared<const FingerprintIndex>(FingerprintIndex::load(checked(file.get<std::string>())));
      if (loaded->kind() != kind || loaded->size() != index.ids_.size()) {
        throw InputError(dir + "/manifest.json", 0, "the " + name + " fingerprints file holds another kind or row count");
      }
      index.fingerprints_.emplace_back(kind, std::move(loaded));
    }
    if (index.manifest_.contains("gnn")) {
      index.gnn_ = std::make_shared<const EmbeddingIndex>(
          EmbeddingIndex::load(checked(index.manifest_.at("gnn").at("file").get<std::string>())));
      if (index.gnn_->size() != index.ids_.size()) {
        throw InputError(dir, 0, "the GNN embeddings do not cover the corpus rows; rebuild the index");
      }
    }
    if (index.manifest_.contains("sentence")) {
      index.sentence_ = std::make_shared<const EmbeddingIndex>(
          EmbeddingIndex::load(checked(index.manifest_.at("sentence").at("file").get<std::string>())));
      if (index.sentence_->size() != index.ids_.size()) {
        throw InputError(dir, 0, "the sentence embeddings do not cover the corpus rows; rebuild the index");
      }
    }
  } catch (const nlohmann::json::exception& e) {
    throw InputError(dir + "/manifest.json", 0, std::string("incomplete manifest: ") + e.what());
  }
  return index;
}

std::optional<std::uint32_t> CorpusIndex::row_of(const std::string& id) const {
  const auto it = rows_by_id_.find(id);
  if (it == rows_by_id_.end()) return std::nullopt;
  return it->second;
}

const Bm25Index& CorpusIndex::bm25() const {
  if (!bm25_) throw InputError(dir_, 0, "this index has no BM25 caption index");
  return *bm25_;
}

const FingerprintIndex& CorpusIndex::fingerprints(FingerprintKind kind) const {
  for (const auto& [k, index] : fingerprints_) {
    if (k == kind) return *index;
  }
  throw InputError(dir_, 0,
                   std::string("this index has no ") + fingerprint_kind_name(kind) +
                       " fingerprints; rebuild it with --fingerprints including " + fingerprint_kind_name(kind));
}

const EmbeddingIndex& CorpusIndex::gnn() const {
  if (!gnn_) throw InputError(dir_, 0, "this index has no GNN embeddings; rebuild it with icma-index build --gnn WEIGHTS");
  return *gnn_;
}

const EmbeddingIndex& CorpusIndex::sentence() const {
  if (!sentence_) {
    throw InputError(dir_, 0, "this index has no sentence embeddings; rebuild it with icma-index build --sentence MODEL_DIR");
  }
  return *sentence_;
}

}  // namespace icma::retrieval
