// icma-index: build the retrieval index of a corpus (BM25 over captions,
// fingerprints and optionally GNN embeddings of molecules and sentence
// embeddings of captions), show what an index holds, and pre-train a GIN for
// users without weights.
//
//   icma-index build --corpus train.tsv --out index/ [--gnn gin.safetensors] [--sentence MODEL_DIR]
//   icma-index info index/
//   icma-index gnn-pretrain --corpus train.tsv --out gin.safetensors

#include <ATen/Parallel.h>

#include <iostream>
#include <optional>

#include <spdlog/spdlog.h>

#include "icma/core/app.hpp"
#include "icma/core/cli_checks.hpp"
#include "icma/core/error.hpp"
#include "icma/core/output_ownership.hpp"
#include "icma/core/sha256.hpp"
#include "icma/data/dataset.hpp"
#include "icma/data/tsv.hpp"
#include "icma/gnn/index_embedder.hpp"
#include "icma/gnn/pretrain.hpp"
#include "icma/retrieval/corpus_index.hpp"
#include "icma/sentence/caption_embedder.hpp"
#include "icma/weights/device.hpp"

namespace {

struct BuildFlags {
  std::string corpus;
  std::string out;
  std::string analyzer = "icma";
  std::vector<std::string> fingerprints = {"morgan", "rdk", "maccs"};
  std::string bad_rows = "fail";
  std::string gnn;
  std::string gnn_prefix;
  std::size_t gnn_batch_size = 2048;
  std::string sentence;
  std::size_t sentence_batch_size = 32;
  std::string device = "cpu";  // of the sentence encoder
};

// gnn-pretrain's flags that are not PretrainOptions fields.
struct PretrainFlags {
  std::string corpus;
  std::string bad_rows = "fail";
};

int pretrain(const PretrainFlags& flags, icma::gnn::PretrainOptions& options, const icma::CommonOptions& common) {
  const icma::OutputClaim claim({options.out}, {flags.corpus});
  at::set_num_threads(static_cast<int>(common.resolved_threads()));
  const icma::data::Dataset corpus =
      icma::data::read_dataset(flags.corpus, icma::data::parse_bad_row_policy(flags.bad_rows));
  const std::vector<icma::chem::MolGraph> graphs = icma::gnn::featurise_corpus(corpus, common.resolved_threads());
  if (graphs.empty() && options.epochs > 0) throw icma::InputError(flags.corpus, 0, "no molecules to pre-train on");
  spdlog::info("{}: {} molecules to pre-train on", flags.corpus, graphs.size());
  options.seed = common.seed;
  options.metadata = {{"corpus", flags.corpus}, {"corpus_sha256", icma::sha256_file_hex(flags.corpus)},
                      {"molecules", std::to_string(graphs.size())}};
  const auto history = icma::gnn::pretrain_attribute_masking(graphs, options);
  spdlog::info("GIN weights written to {}{}", options.out,
               history.empty() ? " (random initialisation, --epochs 0)"
                               : fmt::format(" (final loss {:.4f})", history.back().loss));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Build and inspect icma retrieval indexes: a BM25 caption index (Lucene++) and molecule "
               "fingerprints over one corpus TSV (CID<TAB>SMILES<TAB>description), optionally GIN embeddings of "
               "the molecules (--gnn) and sentence embeddings of the captions (--sentence).",
               "icma-index"};
  app.require_subcommand(1);
  icma::CommonOptions common;
  icma::add_common_options(app, common);

  BuildFlags flags;
  CLI::App* build = app.add_subcommand("build", "index a corpus into a directory (an earlier index there is replaced atomically; a directory holding "
      "anything else is refused)");
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

  build->add_option("--gnn", flags.gnn,
                    "also store GNN embeddings made with these GIN weights (pretrain-gnns/Mole-BERT .pth state dict, or "
                    "safetensors from gnn-pretrain), for icma-retrieve --method gnn")
      ->check(CLI::ExistingFile);
  build->add_option("--gnn-prefix", flags.gnn_prefix,
                    "key prefix of the GIN in the weights file (e.g. gnn.); found automatically when not given");
  build->add_option("--gnn-batch-size", flags.gnn_batch_size, "molecules per GIN forward pass")
      ->check(icma::cli::whole(1, 1e6))
      ->capture_default_str();
  build->add_option("--sentence", flags.sentence,
                    "also store caption embeddings made with this sentence-transformers model directory (BERT or "
                    "RoBERTa encoder, e.g. paraphrase-distilroberta-base-v1, the ICMA code's SentenceBERT), for "
                    "icma-retrieve --method sentence")
      ->check(CLI::ExistingDirectory);
  build->add_option("--sentence-batch-size", flags.sentence_batch_size, "captions per encoder forward pass")
      ->check(icma::cli::whole(1, 1e5))
      ->capture_default_str();
  build->add_option("--device", flags.device, "where --sentence encodes the captions: cpu, cuda or cuda:N")
      ->capture_default_str();

  PretrainFlags pretrain_flags;
  icma::gnn::PretrainOptions pretrain_options;
  CLI::App* gnn_pretrain = app.add_subcommand(
      "gnn-pretrain",
      "pre-train a GIN (pretrain-gnns architecture) by attribute masking on a corpus's molecules; writes safetensors "
      "weights for build --gnn (rewritten atomically at every checkpoint)");
  gnn_pretrain->add_option("--corpus", pretrain_flags.corpus, "corpus TSV: CID<TAB>SMILES<TAB>description")
      ->required()
      ->check(CLI::ExistingFile);
  gnn_pretrain->add_option("--out", pretrain_options.out, "weights file to write (.safetensors)")->required();
  gnn_pretrain->add_option("--epochs", pretrain_options.epochs, "passes over the corpus (0: write the seeded random "
                                                              "initialisation)")
      ->check(icma::cli::whole(0, 1e6))
      ->capture_default_str();
  gnn_pretrain->add_option("--batch-size", pretrain_options.batch_size, "molecules per step")
      ->check(icma::cli::whole(1, 1e6))
      ->capture_default_str();
  gnn_pretrain->add_option("--lr", pretrain_options.learning_rate, "Adam learning rate")->check(icma::cli::positive_real(10))->capture_default_str();
  gnn_pretrain->add_option("--weight-decay", pretrain_options.weight_decay, "Adam weight decay")
      ->check(icma::cli::real(0, 10))
      ->capture_default_str();
  gnn_pretrain->add_option("--mask-rate", pretrain_options.mask_rate, "share of atoms masked per molecule (plus one)")
      ->check(icma::cli::real(0, 1))
      ->capture_default_str();
  gnn_pretrain->add_flag("--mask-edges", pretrain_options.mask_edges,
                         "also mask the bonds of masked atoms and predict their type (pretrain-gnns --mask_edge 1)");
  gnn_pretrain->add_option("--contrastive", pretrain_options.contrastive_weight,
                           "weight of a GraphCL-style contrastive term between two maskings of each molecule (0: off)")
      ->check(icma::cli::real(0, 1e6))
      ->capture_default_str();
  gnn_pretrain->add_option("--layers", pretrain_options.config.num_layers, "GIN layers")->check(icma::cli::whole(1, 100))->capture_default_str();
  gnn_pretrain->add_option("--emb-dim", pretrain_options.config.emb_dim, "embedding size")
      ->check(icma::cli::whole(1, 65536))
      ->capture_default_str();
  gnn_pretrain->add_option("--dropout", pretrain_options.config.dropout, "dropout ratio during training")
      ->check(icma::cli::fraction())
      ->capture_default_str();
  gnn_pretrain->add_option("--checkpoint-every", pretrain_options.checkpoint_every,
                           "epochs between checkpoints written to --out (0: only at the end)")
      ->check(icma::cli::whole(0, 1e6))
      ->capture_default_str();
  gnn_pretrain->add_option("--bad-rows", pretrain_flags.bad_rows, "malformed corpus rows: fail (stop with file:line) or skip")
      ->check(CLI::IsMember({"fail", "skip"}))
      ->capture_default_str();

  std::string info_dir;
  CLI::App* info = app.add_subcommand("info", "print an index's manifest (JSON)");
  info->add_option("dir", info_dir, "index directory")->required();

  app.footer(
      "Rows whose SMILES does not parse are reported (file:line), kept for caption search and left out of "
      "molecule search (and from GNN search, with molecules that have no atoms).\nExamples:\n"
      "  icma-index build --corpus data/chebi20/train.txt --out index/chebi20-train\n"
      "  icma-index gnn-pretrain --corpus data/chebi20/train.txt --out gin.safetensors --epochs 20 --contrastive 1\n"
      "  icma-index build --corpus data/chebi20/train.txt --out index/chebi20-train --gnn gin.safetensors\n"
      "  icma-index build --corpus data/chebi20/train.txt --out index/chebi20-train --sentence "
      "models/paraphrase-distilroberta-base-v1\n");

  return icma::run_app(app, common, argc, argv, [&] {
    if (info->parsed()) {
      std::cout << icma::retrieval::CorpusIndex::read_manifest(info_dir).dump(2) << std::endl;
      return 0;
    }
    if (gnn_pretrain->parsed()) return pretrain(pretrain_flags, pretrain_options, common);
    const icma::OutputClaim claim({flags.out}, {flags.corpus, flags.gnn, flags.sentence});
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
    std::optional<icma::gnn::IndexEmbedder> embedder;
    if (!flags.gnn.empty()) {
      embedder.emplace(flags.gnn, flags.gnn_prefix.empty() ? std::nullopt : std::optional<std::string>(flags.gnn_prefix),
                       options.threads, flags.gnn_batch_size);
      options.gnn = [&embedder](const std::vector<std::string>& smiles) {
        return icma::retrieval::CorpusEmbeddings{embedder->embed(smiles, "gnn embeddings"), embedder->info()};
      };
    }
    // Loaded before any indexing, so that a bad model directory stops the build at once.
    std::optional<icma::sentence::CaptionEmbedder> sentence;
    if (!flags.sentence.empty()) {
      sentence.emplace(flags.sentence, options.threads, flags.sentence_batch_size,
                       icma::weights::parse_device(flags.device));
      options.sentence = [&sentence](const std::vector<std::string>& captions) {
        return icma::retrieval::CorpusEmbeddings{sentence->embed(captions, "sentence embeddings"), sentence->info()};
      };
    }
    const nlohmann::json manifest = icma::retrieval::build_corpus_index(options);
    spdlog::info("index written to {} ({} rows, {} unparsable SMILES)", flags.out,
                 manifest["corpus"]["rows"].get<std::size_t>(),
                 manifest["unparsable_smiles"]["count"].get<std::size_t>());
    return 0;
  });
}
