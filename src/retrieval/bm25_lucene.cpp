// The Lucene++ side of BM25: the standard analyzer, writing the term index
// and reading its postings back. See bm25_lucene.hpp for why Lucene++ only
// stores terms here and does no scoring.

#include "bm25_lucene.hpp"

#include <lucene++/LuceneHeaders.h>
#include <lucene++/TermAttribute.h>
#include <lucene++/TermPositions.h>

#include <filesystem>

#include "icma/core/error.hpp"
#include "icma/core/utf8.hpp"

namespace icma::retrieval::lucene {
namespace {

// Lucene++ strings are std::wstring; on Linux wchar_t holds a whole code
// point, so conversion is a plain copy of code points.
static_assert(sizeof(wchar_t) == sizeof(char32_t), "Lucene++ strings are expected to hold UTF-32");

// The one field every Lucene document has.
const wchar_t* const kField = L"text";

Lucene::String to_lucene(std::string_view text) {
  const std::u32string code_points = utf8::decode(text);
  return Lucene::String(code_points.begin(), code_points.end());
}

std::string from_lucene(const Lucene::String& text) {
  return utf8::encode(std::u32string(text.begin(), text.end()));
}

// Emits a given list of tokens, one after another at positions 0, 1, 2...
// Lucene's analyzers are Reader -> TokenStream; ours have already run, so the
// index gets exactly the tokens bm25_tokenize made, empty ones included.
class TokenListStream : public Lucene::TokenStream {
 public:
  explicit TokenListStream(std::vector<Lucene::String> tokens) : tokens_(std::move(tokens)) {
    term_ = addAttribute<Lucene::TermAttribute>();
  }
  bool incrementToken() override {
    if (next_ == tokens_.size()) return false;
    clearAttributes();
    term_->setTermBuffer(tokens_[next_++]);
    return true;
  }

 private:
  std::vector<Lucene::String> tokens_;
  std::size_t next_ = 0;
  Lucene::TermAttributePtr term_;
};

[[noreturn]] void throw_unreadable(const std::string& directory, const std::exception& error) {
  throw InputError(directory, 0, std::string("cannot read the Lucene++ index: ") + error.what());
}

}  // namespace

std::vector<std::string> standard_analyzer_tokens(std::string_view text) {
  // A fresh analyzer per call: Lucene++ analyzers cache token streams per
  // thread, and a private one keeps concurrent queries independent.
  const auto analyzer = Lucene::newLucene<Lucene::StandardAnalyzer>(Lucene::LuceneVersion::LUCENE_30,
                                                                    Lucene::HashSet<Lucene::String>::newInstance());
  analyzer->setMaxTokenLength(static_cast<std::int32_t>(max_term_length()));
  const auto stream = analyzer->tokenStream(kField, Lucene::newLucene<Lucene::StringReader>(to_lucene(text)));
  const auto term = stream->addAttribute<Lucene::TermAttribute>();
  std::vector<std::string> tokens;
  stream->reset();
  while (stream->incrementToken()) tokens.push_back(from_lucene(term->term()));
  stream->end();
  stream->close();
  return tokens;
}

std::size_t max_term_length() { return static_cast<std::size_t>(Lucene::IndexWriter::MAX_TERM_LENGTH()); }

struct TermIndexWriter::State {
  Lucene::IndexWriterPtr writer;
};

TermIndexWriter::TermIndexWriter(const std::string& directory) : state_(std::make_unique<State>()) {
  try {
    std::filesystem::create_directories(directory);
    // The analyzer is never used: every field brings its own token stream.
    state_->writer = Lucene::newLucene<Lucene::IndexWriter>(
        Lucene::FSDirectory::open(to_lucene(directory)), Lucene::newLucene<Lucene::KeywordAnalyzer>(),
        /*create=*/true, Lucene::IndexWriter::MaxFieldLengthUNLIMITED);  // the default cuts at 10,000 tokens
    state_->writer->setRAMBufferSizeMB(128.0);
    state_->writer->setUseCompoundFile(false);
  } catch (const Lucene::LuceneException& error) {
    throw Error(directory + ": cannot create a Lucene++ index: " + error.what());
  }
}

TermIndexWriter::~TermIndexWriter() {
  if (state_->writer == nullptr) return;
  try {
    state_->writer->rollback();  // finish() was not reached: drop what was added
  } catch (...) {
  }
}

void TermIndexWriter::add(std::size_t row, const std::vector<std::string>& tokens) {
  std::vector<Lucene::String> terms;
  terms.reserve(tokens.size());
  for (const std::string& token : tokens) {
    terms.push_back(to_lucene(token));
    if (terms.back().size() > max_term_length()) {
      throw InputError("document " + std::to_string(row + 1) + ": a token of " + std::to_string(terms.back().size()) +
                       " characters is longer than Lucene++ can index (" + std::to_string(max_term_length()) + ")");
    }
  }
  try {
    const auto document = Lucene::newLucene<Lucene::Document>();
    const auto field = Lucene::newLucene<Lucene::Field>(
        kField, Lucene::TokenStreamPtr(Lucene::newLucene<TokenListStream>(std::move(terms))));
    field->setOmitNorms(true);  // norms are lossy lengths; we store exact ones
    document->add(field);
    state_->writer->addDocument(document);
  } catch (const Lucene::LuceneException& error) {
    throw Error(std::string("Lucene++ failed to index document ") + std::to_string(row + 1) + ": " + error.what());
  }
}

void TermIndexWriter::finish() {
  try {
    state_->writer->optimize();
    state_->writer->close();
    state_->writer.reset();
  } catch (const Lucene::LuceneException& error) {
    throw Error(std::string("Lucene++ failed to write the index: ") + error.what());
  }
}

StoredPostings read_postings(const std::string& directory) {
  if (!std::filesystem::is_directory(directory)) {
    throw InputError(directory, 0, "the Lucene++ index directory is missing");
  }
  StoredPostings postings;
  try {
    const auto reader = Lucene::IndexReader::open(Lucene::FSDirectory::open(to_lucene(directory)), /*readOnly=*/true);
    if (reader->numDocs() != reader->maxDoc()) {
      throw InputError(directory, 0, "the Lucene++ index has deleted documents, so its doc ids are not rows");
    }
    postings.document_count = static_cast<std::size_t>(reader->maxDoc());
    const auto term_enum = reader->terms();
    const auto positions = reader->termPositions();
    postings.begin.push_back(0);
    while (term_enum->next()) {
      const Lucene::TermPtr term = term_enum->term();
      if (term->field() != kField) continue;
      positions->seek(term_enum);
      // Only the first occurrence's position is needed (for the vocabulary
      // order); Lucene skips the unread positions of the other documents.
      bool first = true;
      while (positions->next()) {
        const auto row = static_cast<std::uint32_t>(positions->doc());
        if (first) {
          const auto position = static_cast<std::uint32_t>(positions->nextPosition());
          postings.first_occurrence.push_back((std::uint64_t{row} << 32) | position);
          first = false;
        }
        postings.rows.push_back(row);
        postings.freqs.push_back(static_cast<std::uint32_t>(positions->freq()));
      }
      if (first) continue;  // a term with no live postings
      postings.terms.push_back(from_lucene(term->text()));
      postings.begin.push_back(postings.rows.size());
    }
    term_enum->close();
    positions->close();
    reader->close();
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& error) {  // LuceneException, or bad_alloc from a garbage length
    throw_unreadable(directory, error);
  }
  return postings;
}

}  // namespace icma::retrieval::lucene
