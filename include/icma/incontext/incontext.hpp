#pragma once
// In-context examples for queries, the one entry of every command that
// retrieves them: icma-retrieve (neighbour files) and icma-generate with
// plain inputs and --index (prompts). Retrieval is retrieval::retrieve plus
// the queries' embeddings for the embedding methods (GIN embeddings of the
// SMILES for --method gnn, sentence embeddings of the captions for --method
// sentence), made with the weights the index was built with; prompts are planned and rendered by
// prompt::assemble_prompts, as icma-prompt does. So `icma-generate --smiles F
// --index I` asks the model exactly what `icma-retrieve` + `icma-prompt` +
// `icma-generate --prompts` would.

#include <cstdint>
#include <string>
#include <vector>

#include "icma/data/dataset.hpp"
#include "icma/prompt/assemble.hpp"
#include "icma/retrieval/corpus_index.hpp"
#include "icma/retrieval/retrieve.hpp"

namespace icma::incontext {

// retrieval::retrieve, embedding the queries first when the method is gnn
// (their SMILES, with the index's recorded GIN weights file, or
// `gnn_weights` when given: a moved file) or sentence (their captions, with
// the index's recorded sentence-transformers directory, or `sentence_model`
// when given: a moved directory, encoded on options.threads, or on
// `sentence_device`, "cpu", "cuda" or "cuda:N"). The weights
// must still hash as when the index was built, else InputError naming the
// file. `index_dir` names the index in messages.
retrieval::RetrievalResult retrieve(const retrieval::CorpusIndex& index, const std::string& index_dir,
                                    const data::Dataset& queries, retrieval::RetrieveOptions options,
                                    const std::string& gnn_weights = "", const std::string& sentence_model = "",
                                    const std::string& sentence_device = "cpu");

struct ExampleSource {
  std::string index_dir;       ///< an icma-index directory; its corpus supplies the examples
  std::string method;          ///< bm25, morgan, rdk, maccs, gnn, sentence or random; "" = bm25 for cap2mol, morgan for mol2cap
  std::string gnn_weights;     ///< see retrieve()
  std::string sentence_model;  ///< see retrieve()
  std::string sentence_device = "cpu";  ///< where the sentence encoder runs (see retrieve())
  bool allow_stale = false;    ///< use the index even if its corpus changed
};

// Prompts for `queries` with plan.n_shot examples each: the top n_shot of
// the index by the method (no re-ranking, the query's own record kept, as
// for test prompts), rendered as `options` says. Queries with no neighbour
// (a SMILES that does not parse) get zero-shot prompts, counted in the
// summary.
prompt::AssembledPrompts prompts_with_examples(const data::Dataset& queries, const ExampleSource& source,
                                               const prompt::PromptTemplates& templates,
                                               prompt::AssembleOptions options, std::uint64_t seed);

}  // namespace icma::incontext
