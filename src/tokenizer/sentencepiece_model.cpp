#include "icma/tokenizer/sentencepiece_model.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "icma/core/error.hpp"
#include "icma/tokenizer/sentencepiece_plugin.hpp"

#ifdef ICMA_SENTENCEPIECE_LINKED
// Builds that compile plugins/sentencepiece/plugin.cpp into the binary itself:
// the sanitizer build of scripts/fuzz.sh, whose runtime refuses dlopen with
// RTLD_DEEPBIND and which links no LibTorch, so there is no protobuf to clash.
extern "C" icma::tokenizer::detail::SentencePieceBackend* icma_sentencepiece_backend_new();
#endif

namespace icma::tokenizer {
namespace {

namespace fs = std::filesystem;

constexpr const char* kModuleName = "libicma_sentencepiece.so";

std::vector<fs::path> module_candidates() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("ICMA_SENTENCEPIECE_MODULE"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);
  }
  std::error_code error;
  const fs::path executable = fs::read_symlink("/proc/self/exe", error);
  if (!error) {
    candidates.push_back(executable.parent_path() / kModuleName);
    candidates.push_back(executable.parent_path().parent_path() / "lib" / "icma" / kModuleName);
  }
#ifdef ICMA_SENTENCEPIECE_MODULE
  candidates.emplace_back(ICMA_SENTENCEPIECE_MODULE);
#endif
  return candidates;
}

// Loads the module once per process; throws Error when it cannot be found.
detail::CreateSentencePieceBackend backend_factory() {
#ifdef ICMA_SENTENCEPIECE_LINKED
  return &icma_sentencepiece_backend_new;
#endif
  static std::once_flag once;
  static detail::CreateSentencePieceBackend factory = nullptr;
  static std::string failure;
  std::call_once(once, [] {
    std::string tried;
    for (const fs::path& candidate : module_candidates()) {
      if (!fs::exists(candidate)) {
        tried += "\n  " + candidate.string() + " (not there)";
        continue;
      }
      void* handle = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
      if (handle == nullptr) {
        tried += "\n  " + candidate.string() + " (" + dlerror() + ")";
        continue;
      }
      // Never dlclose'd: the backends it creates live until exit.
      factory = reinterpret_cast<detail::CreateSentencePieceBackend>(
          dlsym(handle, detail::kCreateSentencePieceBackendSymbol));
      if (factory != nullptr) return;
      tried += "\n  " + candidate.string() + " (no " + detail::kCreateSentencePieceBackendSymbol + ")";
    }
    failure = std::string("cannot load ") + kModuleName + " for SentencePiece models; tried:" + tried +
              "\n(set ICMA_SENTENCEPIECE_MODULE to its path)";
  });
  if (factory == nullptr) throw Error(failure);
  return factory;
}

std::unique_ptr<detail::SentencePieceBackend> new_backend() {
  return std::unique_ptr<detail::SentencePieceBackend>(backend_factory()());
}

}  // namespace

SentencePieceModel::SentencePieceModel(std::unique_ptr<detail::SentencePieceBackend> backend)
    : backend_(std::move(backend)) {}
SentencePieceModel::~SentencePieceModel() = default;

std::shared_ptr<const SentencePieceModel> SentencePieceModel::load_file(const std::string& path) {
  auto backend = new_backend();
  std::string error;
  if (!backend->load_file(path, &error)) throw InputError(path, 0, "cannot load the SentencePiece model: " + error);
  return std::shared_ptr<const SentencePieceModel>(new SentencePieceModel(std::move(backend)));
}

std::shared_ptr<const SentencePieceModel> SentencePieceModel::load_serialized(std::string_view model_proto,
                                                                              const std::string& source) {
  auto backend = new_backend();
  std::string error;
  if (!backend->load_serialized(model_proto, &error)) {
    throw InputError(source, 0, "cannot load the SentencePiece model: " + error);
  }
  return std::shared_ptr<const SentencePieceModel>(new SentencePieceModel(std::move(backend)));
}

std::vector<int> SentencePieceModel::encode_ids(std::string_view text) const {
  std::vector<int> ids;
  std::string error;
  if (!backend_->encode_ids(text, &ids, &error)) throw Error("SentencePiece cannot encode a text: " + error);
  return ids;
}

std::vector<std::string> SentencePieceModel::encode_pieces(std::string_view text) const {
  std::vector<std::string> pieces;
  std::string error;
  if (!backend_->encode_pieces(text, &pieces, &error)) throw Error("SentencePiece cannot encode a text: " + error);
  return pieces;
}

std::string SentencePieceModel::decode(const std::vector<int>& ids) const {
  std::string text;
  std::string error;
  if (!backend_->decode(ids, &text, &error)) throw Error("SentencePiece cannot decode ids: " + error);
  return text;
}

int SentencePieceModel::piece_size() const { return backend_->piece_size(); }
int SentencePieceModel::piece_to_id(std::string_view piece) const { return backend_->piece_to_id(piece); }
std::string SentencePieceModel::id_to_piece(int id) const { return backend_->id_to_piece(id); }
bool SentencePieceModel::is_control(int id) const { return backend_->is_control(id); }
bool SentencePieceModel::is_unknown(int id) const { return backend_->is_unknown(id); }
int SentencePieceModel::bos_id() const { return backend_->bos_id(); }
int SentencePieceModel::eos_id() const { return backend_->eos_id(); }
int SentencePieceModel::pad_id() const { return backend_->pad_id(); }
int SentencePieceModel::unk_id() const { return backend_->unk_id(); }
std::string SentencePieceModel::serialized_model_proto() const { return backend_->serialized_model_proto(); }

}  // namespace icma::tokenizer
