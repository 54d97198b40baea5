#pragma once
// Named tensors on disk: the two formats checkpoints come in.
//
//   safetensors  (Hugging Face): 8-byte little-endian header length, a JSON
//                header {name: {dtype, shape, data_offsets}}, then raw data.
//                Read through a memory map, every offset, shape and dtype
//                checked before a byte is used; written atomically.
//   .pth / .bin  (PyTorch's torch.save, zip format): a pickle program plus one
//                file per storage. We read it with a restricted unpickler that
//                knows only the few globals a state dict needs (OrderedDict,
//                torch._utils._rebuild_tensor_v2 / _rebuild_parameter and the
//                storage types), so no pickled code is ever executed; anything
//                else is an error naming the global.
//
// Errors (icma::InputError) name the file and what was wrong.

#include <torch/types.h>

#include <filesystem>
#include <map>
#include <string>

namespace icma::weights {

// Tensors by name, in name order (state dicts are looked up, not iterated in
// file order). Tensors read from safetensors files may share one memory map.
using TensorMap = std::map<std::string, torch::Tensor>;

// safetensors ----------------------------------------------------------------

// Reads every tensor. The tensors view a read-only memory map of the file,
// kept alive as long as any of them; use .to()/.clone() before writing to one.
TensorMap read_safetensors(const std::filesystem::path& file);

// Writes tensors (contiguous CPU copies are made where needed) in name order,
// with optional string metadata ("__metadata__"), atomically.
void write_safetensors(const std::filesystem::path& file, const TensorMap& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// torch.save ------------------------------------------------------------------

// Reads a state dict (a dict or OrderedDict of tensors, possibly nested one
// level as {"state_dict": {...}} or {"model": {...}}) saved by torch.save in the
// zip format (PyTorch >= 1.6). Tensors are copied out of the archive.
TensorMap read_torch_checkpoint(const std::filesystem::path& file);

// Either format, told apart by the file's first bytes (zip "PK" or not).
TensorMap read_tensor_file(const std::filesystem::path& file);

}  // namespace icma::weights
