#pragma once
// The contract between the tokenizer module and the SentencePiece plugin
// (plugins/sentencepiece/), the only code that links Debian's libsentencepiece (see
// include/icma/tokenizer/sentencepiece_model.hpp for why). Plain virtual calls
// with standard-library types: both sides share the process's libstdc++.
// No exceptions cross it; failures come back as false plus a message.

#include <string>
#include <string_view>
#include <vector>

namespace icma::tokenizer::detail {

class SentencePieceBackend {
 public:
  virtual ~SentencePieceBackend() = default;
  virtual bool load_file(const std::string& path, std::string* error) = 0;
  virtual bool load_serialized(std::string_view model_proto, std::string* error) = 0;
  virtual bool encode_ids(std::string_view text, std::vector<int>* ids, std::string* error) const = 0;
  virtual bool encode_pieces(std::string_view text, std::vector<std::string>* pieces, std::string* error) const = 0;
  virtual bool decode(const std::vector<int>& ids, std::string* text, std::string* error) const = 0;
  virtual int piece_size() const = 0;
  virtual int piece_to_id(std::string_view piece) const = 0;
  virtual std::string id_to_piece(int id) const = 0;
  virtual bool is_control(int id) const = 0;
  virtual bool is_unknown(int id) const = 0;
  virtual int bos_id() const = 0;
  virtual int eos_id() const = 0;
  virtual int pad_id() const = 0;
  virtual int unk_id() const = 0;
  virtual std::string serialized_model_proto() const = 0;
};

// The module's one exported symbol: a new backend, owned by the caller.
using CreateSentencePieceBackend = SentencePieceBackend* (*)();
inline constexpr const char* kCreateSentencePieceBackendSymbol = "icma_sentencepiece_backend_new";

}  // namespace icma::tokenizer::detail
