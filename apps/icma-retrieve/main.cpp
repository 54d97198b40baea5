// icma-retrieve: for every query, the corpus records most like it, as an
// ICMA neighbour file (query_id<TAB>neighbour_id<TAB>score, rank order).
//
//   icma-retrieve --index index/ --queries test.tsv --task cap2mol --method bm25 --k 10 --out test.bm25.tsv
//   icma-retrieve --index index/ --queries test.tsv --task mol2cap --method gnn --k 10 --out test.gnn.tsv
//   icma-retrieve --index index/ --queries test.tsv --task cap2mol --method sentence --k 10 --out test.sbert.tsv

#include <spdlog/spdlog.h>

#include "icma/core/app.hpp"
#include "icma/core/cli_checks.hpp"
#include "icma/core/error.hpp"
#include "icma/core/output_ownership.hpp"
#include "icma/core/sha256.hpp"
#include "icma/data/dataset.hpp"
#include "icma/incontext/incontext.hpp"
#include "icma/retrieval/retrieve.hpp"

namespace {

struct RetrieveFlags {
  std::string index_dir;
  std::string queries;
  std::string task;
  std::string method;
  std::string out;
  std::size_t k = 10;
  std::string exclude_self = "auto";
  bool allow_stale = false;
  std::size_t select = 0;
  double walk = 0.0;
  std::size_t bucket_start = 0;
  bool buckets = false;
  bool reverse = false;
  std::string bad_rows = "fail";
  std::string gnn;
  std::string sentence;
  std::string device = "cpu";  // of the sentence encoder
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Retrieve in-context examples: for each query, the k most similar corpus records of an icma-index "
               "directory. cap2mol queries search captions (bm25, sentence), mol2cap queries search molecules "
               "(morgan, rdk, maccs, gnn); random works for both.",
               "icma-retrieve"};
  icma::CommonOptions common;
  icma::add_common_options(app, common);
  RetrieveFlags flags;
  app.add_option("--index", flags.index_dir, "index directory from icma-index build")->required();
  app.add_option("--queries", flags.queries, "query TSV: CID<TAB>SMILES<TAB>description")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--task", flags.task, "mol2cap (queries are molecules) or cap2mol (queries are captions)")
      ->required()
      ->check(CLI::IsMember({"mol2cap", "cap2mol"}));
  app.add_option("--method", flags.method,
                 "bm25, morgan, rdk, maccs, gnn (cosine of GIN embeddings; needs an index built with --gnn), sentence "
                 "(cosine of caption embeddings, the ICMA code's SentenceBERT; needs an index built with --sentence; "
                 "queries encoded on --threads cores) or random")
      ->required()
      ->check(CLI::IsMember({"bm25", "morgan", "rdk", "maccs", "gnn", "sentence", "random"}));
  app.add_option("--gnn", flags.gnn,
                 "GIN weights for --method gnn when the index's own file has moved (must be the same file by SHA-256)");
  app.add_option("--sentence", flags.sentence,
                 "sentence-transformers directory for --method sentence when the index's own has moved (same weights, "
                 "config and tokenizer files by SHA-256)");
  app.add_option("--device", flags.device,
                 "where --method sentence encodes the queries: cpu, cuda or cuda:N")
      ->capture_default_str();
  app.add_option("--k", flags.k, "neighbours retrieved per query")->check(icma::cli::whole(1, 1e6))->capture_default_str();
  app.add_option("--out", flags.out, "neighbour file to write (query_id<TAB>neighbour_id<TAB>score)")->required();
  app.add_option("--exclude-self", flags.exclude_self,
                 "drop the corpus record with the query's id: on, off, or auto (on when the queries file is the "
                 "indexed corpus, for training prompts)")
      ->check(CLI::IsMember({"auto", "on", "off"}))
      ->capture_default_str();
  app.add_flag("--allow-stale", flags.allow_stale, "use the index even if its corpus changed since indexing");
  CLI::Option* select = app.add_option("--select", flags.select, "keep N of the k retrieved (re-ranking)")
                            ->check(icma::cli::whole(1, 1e6));
  app.add_option("--walk", flags.walk,
                 "random walk: skip each ranked neighbour with this probability until N are kept (seeded; for "
                 "training prompts)")
      ->check(icma::cli::real(0, 1))
      ->needs(select);
  CLI::Option* buckets = app.add_option("--bucket-start", flags.bucket_start,
                                        "evenly spaced selection from this rank (the ICMA code's buckets)")
                             ->check(icma::cli::whole(0, 1e6))
                             ->needs(select);
  app.add_flag("--reverse", flags.reverse, "order the kept neighbours most similar last, next to the query");
  app.add_option("--bad-rows", flags.bad_rows, "malformed query rows: fail (stop with file:line) or skip")
      ->check(CLI::IsMember({"fail", "skip"}))
      ->capture_default_str();
  app.footer("Example:\n  icma-retrieve --index idx --queries data/chebi20/test.txt --task mol2cap --method morgan "
             "--k 10 --out test.morgan.tsv\n");

  return icma::run_app(app, common, argc, argv, [&] {
    using namespace icma::retrieval;
    const icma::OutputClaim claim({flags.out}, {flags.queries, flags.index_dir, flags.gnn, flags.sentence});
    RetrieveOptions options;
    options.task = icma::data::parse_task(flags.task);
    options.method = parse_retrieval_method(flags.method);
    check_method_fits_task(options.method, options.task);  // before the slow loading
    options.k = flags.k;
    options.seed = common.seed;
    options.threads = common.resolved_threads();
    if (*select) options.select = flags.select;
    options.walk_skip_probability = flags.walk;
    if (*buckets) {
      // Buckets start at this rank of the k: at or past k, none would be kept.
      if (flags.bucket_start >= flags.k) {
        throw icma::InputError("--bucket-start " + std::to_string(flags.bucket_start) + " is not below --k " +
                               std::to_string(flags.k) + ": no neighbour would be kept");
      }
      options.bucket_start = flags.bucket_start;
    }
    options.reverse = flags.reverse;

    const icma::data::Dataset queries =
        icma::data::read_dataset(flags.queries, icma::data::parse_bad_row_policy(flags.bad_rows));
    const CorpusIndex index = CorpusIndex::open(flags.index_dir, flags.allow_stale);
    icma::refuse_output_over_inputs(flags.out, {index.manifest()["corpus"]["path"].get<std::string>()});
    if (flags.exclude_self == "auto") {
      options.exclude_self =
          icma::sha256_file_hex(flags.queries) == index.manifest()["corpus"]["sha256"].get<std::string>();
      if (options.exclude_self) spdlog::info("queries are the indexed corpus: each query's own record is excluded");
    } else {
      options.exclude_self = flags.exclude_self == "on";
    }

    const RetrievalResult result =
        icma::incontext::retrieve(index, flags.index_dir, queries, options, flags.gnn, flags.sentence, flags.device);
    icma::data::write_neighbour_file(flags.out, result.queries);
    spdlog::info("{} queries, neighbours written to {}", result.queries.size(), flags.out);
    if (result.unparsable_queries > 0) {
      spdlog::warn("{} queries had no neighbours ({})", result.unparsable_queries,
                   options.method == RetrievalMethod::gnn        ? "unparsable SMILES or no atoms"
                   : options.method == RetrievalMethod::sentence ? "zero sentence embeddings"
                                                                 : "unparsable SMILES");
    }
    return 0;
  });
}
