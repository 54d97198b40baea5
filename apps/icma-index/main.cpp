// icma-index: build the retrieval index of a corpus (BM25 over captions,
// fingerprints of molecules), and show what an index holds.
//
//   icma-index build --corpus train.tsv --out index/
//   icma-index info index/

#include <iostream>

#include <spdlog/spdlog.h>

#include "icma/core/app.hpp"
#include "icma/core/error.hpp"
#include "icma/data/tsv.hpp"
#include "icma/retrieval/corpus_index.hpp"

namespace {

struct BuildFlags {
  std::string corpus;
  std::string out;
  std::string analyzer = "icma";
  std::vector<std::string> fingerprints = {"morgan", "rdk", "maccs"};
  std::string bad_rows = "fail";
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Build and inspect icma retrieval indexes: a BM25 caption index (Lucene++) and molecule "
               "fingerprints over one corpus TSV (CID<TAB>SMILES<TAB>description).",
               "icma-index"};
  app.require_subcommand(1);
  icma::CommonOptions common;
  icma::add_common_options(app, common);

  BuildFlags flags;
  CLI::App* build = app.add_subcommand("build", "index a corpus into a directory (replaced atomically if it exists)");
  build->add_option("--corpus", flags.corpus, "corpus TSV: CID<TAB>SMILES<TAB>description")
      ->required()
      ->check(CLI::ExistingFile);
  build->add_option("--out", flags.out, "index directory to write")->required();
  build->add_option("--analyzer", flags.analyzer,
                    "BM25 tokens: icma (the official ICMA code's: split on spaces after removing - , ( ) ., case "
                    "kept) or standard (Lucene's StandardAnalyzer, lower-cased)")
      ->check(CLI::IsMember({"icma", "standard"}))
      ->capture_default_str();
  build->add_option("--fingerprints", flags.fingerprints,
                    "fingerprint kinds to store: morgan (radius 2, 2048 bits), rdk (RDKit topological, as ICMA's "
                    "FingerprintMols.FingerprintMol), maccs")
      ->check(CLI::IsMember({"morgan", "rdk", "maccs"}))
      ->delimiter(',')
      ->capture_default_str();
  build->add_option("--bad-rows", flags.bad_rows, "malformed corpus rows: fail (stop with file:line) or skip")
      ->check(CLI::IsMember({"fail", "skip"}))
      ->capture_default_str();

  std::string info_dir;
  CLI::App* info = app.add_subcommand("info", "print an index's manifest (JSON)");
  info->add_option("dir", info_dir, "index directory")->required();

  app.footer(
      "Rows whose SMILES does not parse are reported (file:line), kept for caption search and left out of "
      "molecule search.\nExample:\n  icma-index build --corpus data/chebi20/train.txt --out index/chebi20-train\n");

  return icma::run_app(app, common, argc, argv, [&] {
    if (info->parsed()) {
      std::cout << icma::retrieval::CorpusIndex::read_manifest(info_dir).dump(2) << std::endl;
      return 0;
    }
    icma::retrieval::IndexBuildOptions options;
    options.corpus_path = flags.corpus;
    options.out_dir = flags.out;
    options.analyzer = icma::retrieval::parse_bm25_analyzer(flags.analyzer);
    options.fingerprints.clear();
    for (const std::string& name : flags.fingerprints) {
      options.fingerprints.push_back(icma::retrieval::parse_fingerprint_kind(name));
    }
    options.bad_rows = icma::data::parse_bad_row_policy(flags.bad_rows);
    options.threads = common.resolved_threads();
    const nlohmann::json manifest = icma::retrieval::build_corpus_index(options);
    spdlog::info("index written to {} ({} rows, {} unparsable SMILES)", flags.out,
                 manifest["corpus"]["rows"].get<std::size_t>(),
                 manifest["unparsable_smiles"]["count"].get<std::size_t>());
    return 0;
  });
}
