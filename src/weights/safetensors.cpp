// safetensors reading (memory-mapped, fully validated) and writing (atomic).
// Format: https://github.com/huggingface/safetensors — an 8-byte little-endian
// header size N, N bytes of JSON {name: {"dtype", "shape", "data_offsets":
// [begin, end]}, "__metadata__": {str: str}}, then the data; offsets count
// from the first byte after the header.

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "dtype_names.hpp"
#include "icma/core/atomic_file.hpp"
#include "icma/core/error.hpp"
#include "icma/weights/tensor_file.hpp"

namespace icma::weights {
namespace {

// A read-only view of a whole file; unmapped when the last tensor using it goes.
class Mapping {
 public:
  explicit Mapping(const std::filesystem::path& file) {
    const int fd = ::open(file.c_str(), O_RDONLY);
    if (fd < 0) throw InputError(file.string(), 0, std::string("cannot open: ") + std::strerror(errno));
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
      ::close(fd);
      throw InputError(file.string(), 0, std::string("cannot stat: ") + std::strerror(errno));
    }
    size_ = static_cast<std::size_t>(info.st_size);
    if (size_ > 0) {
      // Private and writable: a tensor written to by mistake gets its own copy
      // of the page (copy-on-write) instead of a crash or a changed file.
      void* data = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
      if (data == MAP_FAILED) {
        ::close(fd);
        throw InputError(file.string(), 0, std::string("cannot map: ") + std::strerror(errno));
      }
      data_ = static_cast<char*>(data);
    }
    ::close(fd);
  }
  ~Mapping() {
    if (data_ != nullptr) ::munmap(data_, size_);
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;

  char* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  char* data_ = nullptr;
  std::size_t size_ = 0;
};

// Headers of real checkpoints are a few hundred KiB; this only stops a
// corrupt size field from asking for gigabytes.
constexpr std::uint64_t kMaxHeaderBytes = 100ull << 20;

struct Entry {
  std::string name;
  torch::Dtype dtype;
  std::vector<int64_t> shape;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};

std::uint64_t read_u64_le(const char* bytes) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

Entry parse_entry(const std::string& file, const std::string& name, const nlohmann::json& spec,
                  std::uint64_t data_size) {
  auto fail = [&](const std::string& what) -> InputError {
    return InputError(file, 0, "tensor \"" + name + "\": " + what);
  };
  if (!spec.is_object()) throw fail("header entry is not a JSON object");
  Entry entry;
  entry.name = name;
  const auto dtype = spec.find("dtype");
  if (dtype == spec.end() || !dtype->is_string()) throw fail("missing \"dtype\"");
  const auto parsed = detail::dtype_from_safetensors(dtype->get<std::string>());
  if (!parsed) throw fail("unsupported dtype \"" + dtype->get<std::string>() + "\"");
  entry.dtype = *parsed;

  const auto shape = spec.find("shape");
  if (shape == spec.end() || !shape->is_array()) throw fail("missing \"shape\"");
  std::uint64_t numel = 1;
  for (const auto& dim : *shape) {
    if (!dim.is_number_unsigned()) throw fail("shape holds something other than a non-negative integer");
    const std::uint64_t size = dim.get<std::uint64_t>();
    if (size > static_cast<std::uint64_t>(std::numeric_limits<int64_t>::max()) ||
        (size != 0 && numel > std::numeric_limits<std::uint64_t>::max() / size)) {
      throw fail("shape is too large");
    }
    numel *= size;
    entry.shape.push_back(static_cast<int64_t>(size));
  }

  const auto offsets = spec.find("data_offsets");
  if (offsets == spec.end() || !offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
      !(*offsets)[1].is_number_unsigned()) {
    throw fail("\"data_offsets\" must be [begin, end]");
  }
  entry.begin = (*offsets)[0].get<std::uint64_t>();
  entry.end = (*offsets)[1].get<std::uint64_t>();
  if (entry.begin > entry.end) throw fail("data_offsets begin after they end");
  if (entry.end > data_size) {
    throw fail("data ends at byte " + std::to_string(entry.end) + " but the file holds only " +
               std::to_string(data_size) + " bytes of data (truncated file?)");
  }
  const std::uint64_t element_size = c10::elementSize(entry.dtype);
  if (numel > std::numeric_limits<std::uint64_t>::max() / element_size || entry.end - entry.begin != numel * element_size) {
    throw fail("data_offsets span " + std::to_string(entry.end - entry.begin) + " bytes but shape and dtype need " +
               std::to_string(numel * element_size));
  }
  return entry;
}

}  // namespace

TensorMap read_safetensors(const std::filesystem::path& path) {
  const std::string file = path.string();
  auto mapping = std::make_shared<Mapping>(path);
  if (mapping->size() < 8) throw InputError(file, 0, "not a safetensors file (shorter than its 8-byte header size)");
  const std::uint64_t header_size = read_u64_le(mapping->data());
  if (header_size > kMaxHeaderBytes || header_size > mapping->size() - 8) {
    throw InputError(file, 0, "not a safetensors file (header size " + std::to_string(header_size) +
                                  " does not fit the file's " + std::to_string(mapping->size()) + " bytes)");
  }
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(mapping->data() + 8, mapping->data() + 8 + header_size);
  } catch (const nlohmann::json::exception& error) {
    throw InputError(file, 0, std::string("safetensors header is not valid JSON: ") + error.what());
  }
  if (!header.is_object()) throw InputError(file, 0, "safetensors header is not a JSON object");

  const std::uint64_t data_start = 8 + header_size;
  const std::uint64_t data_size = mapping->size() - data_start;
  std::vector<Entry> entries;
  for (const auto& [name, spec] : header.items()) {
    if (name == "__metadata__") {
      if (!spec.is_object()) throw InputError(file, 0, "\"__metadata__\" is not a JSON object");
      continue;
    }
    entries.push_back(parse_entry(file, name, spec, data_size));
  }

  // No two tensors may share bytes: a crafted file could otherwise alias them.
  std::vector<const Entry*> by_offset;
  for (const Entry& entry : entries) by_offset.push_back(&entry);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const Entry* a, const Entry* b) { return a->begin < b->begin || (a->begin == b->begin && a->end < b->end); });
  for (std::size_t i = 1; i < by_offset.size(); ++i) {
    const Entry& previous = *by_offset[i - 1];
    const Entry& current = *by_offset[i];
    if (current.begin < previous.end) {
      throw InputError(file, 0, "tensors \"" + previous.name + "\" and \"" + current.name + "\" overlap in the data");
    }
  }

  TensorMap tensors;
  for (const Entry& entry : entries) {
    char* data = mapping->data() + data_start + entry.begin;
    auto options = torch::TensorOptions().dtype(entry.dtype);
    torch::Tensor tensor;
    if (reinterpret_cast<std::uintptr_t>(data) % c10::elementSize(entry.dtype) == 0) {
      tensor = torch::from_blob(data, entry.shape, [mapping](void*) {}, options);
    } else {
      // Unaligned data (legal in the format, rare in practice): copy it out.
      tensor = torch::empty(entry.shape, options);
      std::memcpy(tensor.data_ptr(), data, entry.end - entry.begin);
    }
    tensors.emplace(entry.name, std::move(tensor));
  }
  return tensors;
}

void write_safetensors(const std::filesystem::path& path, const TensorMap& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<torch::Tensor> contiguous;
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name == "__metadata__") throw Error("a tensor cannot be named __metadata__");
    torch::Tensor cpu = tensor.detach().to(torch::kCPU).contiguous();
    const std::uint64_t bytes = static_cast<std::uint64_t>(cpu.numel()) * cpu.element_size();
    header[name] = {{"dtype", detail::safetensors_name(cpu.scalar_type())},
                    {"shape", cpu.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    contiguous.push_back(std::move(cpu));
  }
  std::string header_text = header.dump();
  // Pad with spaces so that the data starts 8-byte aligned, as the reference
  // writer does; readers can then map tensors without copying.
  header_text.append((8 - header_text.size() % 8) % 8, ' ');

  AtomicFile out(path.string());
  char size_bytes[8];
  std::uint64_t size = header_text.size();
  for (char& byte : size_bytes) {
    byte = static_cast<char>(size & 0xff);
    size >>= 8;
  }
  out.stream().write(size_bytes, 8);
  out.stream() << header_text;
  for (const torch::Tensor& tensor : contiguous) {
    out.stream().write(static_cast<const char*>(tensor.data_ptr()),
                       static_cast<std::streamsize>(tensor.numel() * tensor.element_size()));
  }
  out.commit();
}

TensorMap read_tensor_file(const std::filesystem::path& path) {
  char magic[2] = {0, 0};
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), 0, std::string("cannot open: ") + std::strerror(errno));
  in.read(magic, 2);
  if (in.gcount() == 2 && magic[0] == 'P' && magic[1] == 'K') return read_torch_checkpoint(path);
  return read_safetensors(path);
}

}  // namespace icma::weights
