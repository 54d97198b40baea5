#pragma once
// A SentencePiece model (libsentencepiece), kept in a plugin of its own.
//
// Why a plugin: Debian's libsentencepiece carries a private copy of
// protobuf-lite 3.14 whose symbols are exported, while LibTorch links the
// system's libprotobuf 3.21. In one process the first-loaded copy serves
// both, and either torch crashes at start-up or SentencePiece aborts on the
// version check. So only the plugin libicma_sentencepiece (plugins/sentencepiece/)
// links libsentencepiece, and it is loaded on first use with dlopen's
// RTLD_DEEPBIND | RTLD_LOCAL: SentencePiece then binds to its own protobuf
// and nothing else sees it.
//
// The plugin is looked for at $ICMA_SENTENCEPIECE_MODULE, beside the
// running executable, in ../lib/icma/ from it, then where this build put it.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace icma::tokenizer {

namespace detail {
class SentencePieceBackend;
}

class SentencePieceModel {
 public:
  // Throw InputError(path, 0, what) when the model cannot be read.
  static std::shared_ptr<const SentencePieceModel> load_file(const std::string& path);
  static std::shared_ptr<const SentencePieceModel> load_serialized(std::string_view model_proto,
                                                                   const std::string& source);
  ~SentencePieceModel();
  SentencePieceModel(const SentencePieceModel&) = delete;
  SentencePieceModel& operator=(const SentencePieceModel&) = delete;

  // Thread-safe (SentencePieceProcessor's encode/decode are const).
  std::vector<int> encode_ids(std::string_view text) const;
  std::vector<std::string> encode_pieces(std::string_view text) const;
  std::string decode(const std::vector<int>& ids) const;

  int piece_size() const;
  int piece_to_id(std::string_view piece) const;
  std::string id_to_piece(int id) const;
  bool is_control(int id) const;
  bool is_unknown(int id) const;
  int bos_id() const;
  int eos_id() const;
  int pad_id() const;
  int unk_id() const;
  std::string serialized_model_proto() const;

 private:
  explicit SentencePieceModel(std::unique_ptr<detail::SentencePieceBackend> backend);
  std::unique_ptr<detail::SentencePieceBackend> backend_;
};

}  // namespace icma::tokenizer
