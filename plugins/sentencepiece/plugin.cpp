// libicma_sentencepiece: Debian's libsentencepiece behind the small
// interface of include/icma/tokenizer/sentencepiece_plugin.hpp. Built as a module that
// the tokenizer module loads at run time with RTLD_DEEPBIND (see sentencepiece_model.hpp).

#include <sentencepiece_processor.h>

#include "icma/tokenizer/sentencepiece_plugin.hpp"

namespace {

class Backend final : public icma::tokenizer::detail::SentencePieceBackend {
 public:
  bool load_file(const std::string& path, std::string* error) override { return check(processor_.Load(path), error); }
  bool load_serialized(std::string_view model_proto, std::string* error) override {
    return check(processor_.LoadFromSerializedProto(model_proto), error);
  }
  bool encode_ids(std::string_view text, std::vector<int>* ids, std::string* error) const override {
    return check(processor_.Encode(text, ids), error);
  }
  bool encode_pieces(std::string_view text, std::vector<std::string>* pieces, std::string* error) const override {
    return check(processor_.Encode(text, pieces), error);
  }
  bool decode(const std::vector<int>& ids, std::string* text, std::string* error) const override {
    return check(processor_.Decode(ids, text), error);
  }
  int piece_size() const override { return processor_.GetPieceSize(); }
  int piece_to_id(std::string_view piece) const override { return processor_.PieceToId(piece); }
  std::string id_to_piece(int id) const override { return processor_.IdToPiece(id); }
  bool is_control(int id) const override { return processor_.IsControl(id); }
  bool is_unknown(int id) const override { return processor_.IsUnknown(id); }
  int bos_id() const override { return processor_.bos_id(); }
  int eos_id() const override { return processor_.eos_id(); }
  int pad_id() const override { return processor_.pad_id(); }
  int unk_id() const override { return processor_.unk_id(); }
  std::string serialized_model_proto() const override { return processor_.serialized_model_proto(); }

 private:
  static bool check(const sentencepiece::util::Status& status, std::string* error) {
    if (status.ok()) return true;
    if (error != nullptr) *error = status.ToString();
    return false;
  }
  sentencepiece::SentencePieceProcessor processor_;
};

}  // namespace

extern "C" __attribute__((visibility("default"))) icma::tokenizer::detail::SentencePieceBackend*
icma_sentencepiece_backend_new() {
  return new Backend();
}
