// libFuzzer target: an index directory's manifest.json (retrieval/
// corpus_index.hpp; run by scripts/fuzz.sh). A real index of a small corpus is
// built once (with this build's code); each input then replaces its manifest
// and the index is opened and searched (bm25, morgan, random), so a manifest
// that passes its checks is used as retrieval would use it. The first byte
// picks the form of the rest:
//   even: the manifest file's bytes, as they are;
//   odd:  edits of the real manifest: each pair of bytes sets one of its
//         values (chosen by the first) to one of a list of awkward values
//         (chosen by the second): other files, other row counts, paths out
//         of the directory, wrong types. Its file checksums stay right
//         unless an edit changes them, so the loaders are reached.
// Only InputError may refuse an index.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "icma/core/atomic_file.hpp"
#include "icma/data/dataset.hpp"
#include "icma/retrieval/corpus_index.hpp"
#include "icma/retrieval/retrieve.hpp"

namespace {

using namespace icma;
using nlohmann::json;
constexpr const char* kTarget = "index_manifest_fuzz";

struct Index {
  std::string dir;
  json manifest;
  data::Dataset queries;
};

const Index& index() {
  static const Index built = [] {
    Index out;
    const std::string corpus = fuzz::scratch_file(
        "corpus.tsv",
        "CID\tSMILES\tdescription\n1\tCCO\tThe molecule is ethanol.\n2\tCCCO\tThe molecule is propanol.\n"
        "3\tC1CC\tA broken ring.\n4\tc1ccccc1\tBenzene is aromatic.\n5\tCC(=O)O\tAcetic acid is an acid.\n");
    retrieval::IndexBuildOptions options;
    options.corpus_path = corpus;
    options.out_dir = fuzz::scratch_dir() + "/index";
    std::filesystem::remove_all(options.out_dir);
    out.manifest = retrieval::build_corpus_index(options);
    out.dir = options.out_dir;
    out.queries = data::read_dataset(corpus);
    return out;
  }();
  return built;
}

// Every value of a JSON document, by JSON pointer.
void pointers(const json& value, const std::string& at, std::vector<std::string>& out) {
  out.push_back(at);
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) pointers(item, at + "/" + key, out);
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) pointers(value[i], at + "/" + std::to_string(i), out);
  }
}

json edited_manifest(const std::uint8_t* data, std::size_t size) {
  static const std::vector<json> awkward = {
      0, 1, 2, 4, 5, 6, 1000, -1, 4294967296LL, 1e300, 0.5, true, nullptr, "", "ids.txt", "morgan.fp", "rdk.fp",
      "maccs.fp", "bm25", "bm25/bm25.json", "../index", "/etc/passwd", "manifest.json", "nothing", "icma", "standard",
      json::array(), json::object(), json::array({0, 1, 2, 3, 4, 5}), json::array({{{"row", 9}, {"line", 2}}}),
      json{{"morgan", "rdk.fp"}}, json{{"ecfp", "morgan.fp"}}, json{{"file", "ids.txt"}, {"dim", 3}}};
  json manifest = index().manifest;
  for (std::size_t i = 0; i + 1 < size; i += 2) {
    std::vector<std::string> all;
    pointers(manifest, "", all);
    const std::string& at = all[data[i] % all.size()];
    if (at.empty()) continue;
    manifest[json::json_pointer(at)] = awkward[data[i + 1] % awkward.size()];
  }
  return manifest;
}

void check(const std::string& manifest, bool allow_stale) {
  write_file_atomically(index().dir + "/manifest.json", manifest);
  const retrieval::CorpusIndex opened = retrieval::CorpusIndex::open(index().dir, allow_stale);
  for (const auto& [method, task] : {std::pair{retrieval::RetrievalMethod::bm25, data::Task::cap2mol},
                                     std::pair{retrieval::RetrievalMethod::morgan, data::Task::mol2cap},
                                     std::pair{retrieval::RetrievalMethod::random, data::Task::mol2cap}}) {
    retrieval::RetrieveOptions options;
    options.method = method;
    options.task = task;
    options.k = 3;
    options.exclude_self = true;
    fuzz::only_input_errors(kTarget, [&] { (void)retrieval::retrieve(opened, index().queries, options); });
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  (void)index();
  std::string manifest;
  if (data[0] % 2 == 0) {
    manifest.assign(reinterpret_cast<const char*>(data) + 1, size - 1);
  } else {
    try {
      manifest = edited_manifest(data + 1, size - 1).dump(2);
    } catch (const json::exception&) {
      return 0;  // an edit the JSON library refuses (a pointer into a replaced value)
    }
  }
  fuzz::only_input_errors(kTarget, [&] { check(manifest, (data[0] & 2) != 0); });
  return 0;
}
