// Reading torch.save() state dicts without Python and without trusting them.
//
// A zip-format checkpoint holds data.pkl (a pickle program that builds the
// dict), one record per tensor storage under data/, and a byteorder record.
// LibTorch's own unpickler targets TorchScript archives and rejects what
// Python's torch.save writes for a state dict (OrderedDict with a _metadata
// attribute, SHORT_BINSTRING, ...), so we run the pickle program here on a
// small stack machine. It knows the opcodes of pickle protocols 2-4 that
// build plain data, and exactly these callables:
//   collections.OrderedDict()                  -> a dict
//   torch._utils._rebuild_tensor_v2(...)       -> a tensor view of a storage
//   torch._utils._rebuild_tensor(...)          -> the same, older checkpoints
//   torch._utils._rebuild_parameter(data, ...) -> data
// and the torch.<Type>Storage classes as storage dtypes. Any other global is
// refused with its name, so a malicious checkpoint cannot run code.
// The zip container is read by LibTorch's PyTorchStreamReader.

#include <caffe2/serialize/inline_container.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "dtype_names.hpp"
#include "icma/core/error.hpp"
#include "icma/weights/tensor_file.hpp"

namespace icma::weights {
namespace {

struct Value;
using ValuePtr = std::shared_ptr<Value>;

struct Value {
  enum class Kind { kNone, kBool, kInt, kFloat, kString, kTuple, kList, kDict, kGlobal, kTensor };
  Kind kind = Kind::kNone;
  int64_t integer = 0;
  double real = 0;
  std::string text;  // kString: the string; kGlobal: "module.name"
  std::vector<ValuePtr> items;  // kTuple, kList
  std::vector<std::pair<ValuePtr, ValuePtr>> entries;  // kDict, in insertion order
  torch::Tensor tensor;  // kTensor
};

ValuePtr make(Value::Kind kind) {
  auto value = std::make_shared<Value>();
  value->kind = kind;
  return value;
}

const char* kind_name(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::kNone: return "None";
    case Value::Kind::kBool: return "bool";
    case Value::Kind::kInt: return "int";
    case Value::Kind::kFloat: return "float";
    case Value::Kind::kString: return "str";
    case Value::Kind::kTuple: return "tuple";
    case Value::Kind::kList: return "list";
    case Value::Kind::kDict: return "dict";
    case Value::Kind::kGlobal: return "global";
    case Value::Kind::kTensor: return "tensor";
  }
  return "?";
}

bool is_allowed_global(const std::string& name) {
  static const char* const kCallables[] = {"collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
                                           "torch._utils._rebuild_tensor", "torch._utils._rebuild_parameter"};
  for (const char* callable : kCallables) {
    if (name == callable) return true;
  }
  return name.rfind("torch.", 0) == 0 && detail::dtype_from_storage_class(name.substr(6)).has_value();
}

class Unpickler {
 public:
  Unpickler(std::string file, const char* data, std::size_t size, caffe2::serialize::PyTorchStreamReader& archive)
      : file_(std::move(file)), data_(data), size_(size), archive_(archive) {}

  ValuePtr run() {
    while (true) {
      const auto opcode = static_cast<unsigned char>(read_bytes(1)[0]);
      if (opcode == '.') break;  // STOP
      step(opcode);
    }
    if (stack_.size() != 1) fail("pickle program ended with " + std::to_string(stack_.size()) + " values on its stack");
    return stack_.back();
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(file_, 0, "data.pkl at byte " + std::to_string(position_) + ": " + what);
  }

  const char* read_bytes(std::size_t count) {
    if (count > size_ - position_) fail("the pickle program is truncated");
    const char* bytes = data_ + position_;
    position_ += count;
    return bytes;
  }
  uint64_t read_le(std::size_t count) {
    const char* bytes = read_bytes(count);
    uint64_t value = 0;
    for (std::size_t i = count; i-- > 0;) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
    return value;
  }
  std::string read_string(std::size_t count) { return std::string(read_bytes(count), count); }
  std::string read_line() {
    std::string line;
    while (true) {
      const char c = read_bytes(1)[0];
      if (c == '\n') return line;
      line.push_back(c);
    }
  }

  ValuePtr pop() {
    if (stack_.empty() || (!marks_.empty() && stack_.size() == marks_.back())) fail("stack underflow");
    ValuePtr value = std::move(stack_.back());
    stack_.pop_back();
    return value;
  }
  // Everything pushed since the last MARK, which is removed.
  std::vector<ValuePtr> pop_to_mark() {
    if (marks_.empty()) fail("no MARK on the stack");
    const std::size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<ValuePtr> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark), stack_.end());
    stack_.resize(mark);
    return items;
  }
  ValuePtr& top() {
    if (stack_.empty()) fail("stack underflow");
    return stack_.back();
  }
  void push(ValuePtr value) { stack_.push_back(std::move(value)); }
  void push_int(int64_t integer) {
    auto value = make(Value::Kind::kInt);
    value->integer = integer;
    push(std::move(value));
  }
  void push_string(std::string text) {
    auto value = make(Value::Kind::kString);
    value->text = std::move(text);
    push(std::move(value));
  }
  void push_tuple(std::vector<ValuePtr> items) {
    auto value = make(Value::Kind::kTuple);
    value->items = std::move(items);
    push(std::move(value));
  }
  void memo_put(uint64_t index) { memo_[index] = top(); }
  void memo_get(uint64_t index) {
    const auto found = memo_.find(index);
    if (found == memo_.end()) fail("memo entry " + std::to_string(index) + " was never stored");
    push(found->second);
  }
  void set_items(const ValuePtr& dict, std::vector<ValuePtr> items) {
    if (dict->kind != Value::Kind::kDict) fail(std::string("SETITEM on a ") + kind_name(dict->kind));
    if (items.size() % 2 != 0) fail("SETITEMS with an odd number of values");
    for (std::size_t i = 0; i < items.size(); i += 2) dict->entries.emplace_back(items[i], items[i + 1]);
  }
  void append_items(const ValuePtr& list, std::vector<ValuePtr> items) {
    if (list->kind != Value::Kind::kList) fail(std::string("APPEND on a ") + kind_name(list->kind));
    for (ValuePtr& item : items) list->items.push_back(std::move(item));
  }
  void push_global(const std::string& module, const std::string& name) {
    const std::string qualified = module + "." + name;
    if (!is_allowed_global(qualified)) {
      fail("refusing to load \"" + qualified + "\": only plain state dicts of tensors can be read (no pickled code is run)");
    }
    auto value = make(Value::Kind::kGlobal);
    value->text = qualified;
    push(std::move(value));
  }

  void step(unsigned char opcode) {
    switch (opcode) {
      case 0x80: read_bytes(1); return;  // PROTO
      case 0x95: read_bytes(8); return;  // FRAME
      case '(': marks_.push_back(stack_.size()); return;  // MARK
      case 'N': push(make(Value::Kind::kNone)); return;
      case 0x88:
      case 0x89: {  // NEWTRUE, NEWFALSE
        auto value = make(Value::Kind::kBool);
        value->integer = opcode == 0x88;
        push(std::move(value));
        return;
      }
      case 'J': push_int(static_cast<int32_t>(read_le(4))); return;  // BININT
      case 'K': push_int(static_cast<int64_t>(read_le(1))); return;  // BININT1
      case 'M': push_int(static_cast<int64_t>(read_le(2))); return;  // BININT2
      case 0x8a: {  // LONG1: little-endian two's complement of n bytes
        const std::size_t count = static_cast<unsigned char>(read_bytes(1)[0]);
        if (count > 8) fail("integer wider than 64 bits");
        uint64_t bits = read_le(count);
        if (count > 0 && count < 8 && (bits >> (8 * count - 1)) & 1) bits |= ~uint64_t{0} << (8 * count);
        push_int(static_cast<int64_t>(bits));
        return;
      }
      case 'G': {  // BINFLOAT, big-endian
        const char* bytes = read_bytes(8);
        uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<unsigned char>(bytes[i]);
        auto value = make(Value::Kind::kFloat);
        std::memcpy(&value->real, &bits, 8);
        push(std::move(value));
        return;
      }
      case 'X': push_string(read_string(read_le(4))); return;     // BINUNICODE
      case 0x8c: push_string(read_string(read_le(1))); return;    // SHORT_BINUNICODE
      case 'T': push_string(read_string(read_le(4))); return;     // BINSTRING
      case 'U': push_string(read_string(read_le(1))); return;     // SHORT_BINSTRING
      case 'B': push_string(read_string(read_le(4))); return;     // BINBYTES
      case 'C': push_string(read_string(read_le(1))); return;     // SHORT_BINBYTES
      case ')': push_tuple({}); return;                           // EMPTY_TUPLE
      case 0x85: push_tuple({pop()}); return;                     // TUPLE1
      case 0x86: {                                                // TUPLE2
        ValuePtr second = pop();
        ValuePtr first = pop();
        push_tuple({first, second});
        return;
      }
      case 0x87: {  // TUPLE3
        ValuePtr third = pop();
        ValuePtr second = pop();
        ValuePtr first = pop();
        push_tuple({first, second, third});
        return;
      }
      case 't': push_tuple(pop_to_mark()); return;  // TUPLE
      case ']': push(make(Value::Kind::kList)); return;  // EMPTY_LIST
      case '}': push(make(Value::Kind::kDict)); return;  // EMPTY_DICT
      case 'a': {  // APPEND
        ValuePtr item = pop();
        append_items(top(), {item});
        return;
      }
      case 'e': {  // APPENDS
        std::vector<ValuePtr> items = pop_to_mark();
        append_items(top(), std::move(items));
        return;
      }
      case 's': {  // SETITEM
        ValuePtr value = pop();
        ValuePtr key = pop();
        set_items(top(), {key, value});
        return;
      }
      case 'u': {  // SETITEMS
        std::vector<ValuePtr> items = pop_to_mark();
        set_items(top(), std::move(items));
        return;
      }
      case 'q': memo_put(read_le(1)); return;   // BINPUT
      case 'r': memo_put(read_le(4)); return;   // LONG_BINPUT
      case 0x94: memo_put(memo_.size()); return;  // MEMOIZE
      case 'h': memo_get(read_le(1)); return;   // BINGET
      case 'j': memo_get(read_le(4)); return;   // LONG_BINGET
      case 'c': {                               // GLOBAL "module\nname\n"
        const std::string module = read_line();
        const std::string name = read_line();
        push_global(module, name);
        return;
      }
      case 0x93: {  // STACK_GLOBAL
        ValuePtr name = pop();
        ValuePtr module = pop();
        if (module->kind != Value::Kind::kString || name->kind != Value::Kind::kString) fail("STACK_GLOBAL needs two strings");
        push_global(module->text, name->text);
        return;
      }
      case 'Q': push(load_storage(pop())); return;  // BINPERSID
      case 'R': {                                   // REDUCE
        ValuePtr args = pop();
        ValuePtr callable = pop();
        push(call(callable, args));
        return;
      }
      case 'b':  // BUILD: only OrderedDict's _metadata (module versions) comes this way; not needed.
        pop();
        return;
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", opcode);
        fail(std::string("unsupported pickle opcode ") + hex);
      }
    }
  }

  // ('storage', torch.FloatStorage, key, location, numel) -> a 1-D tensor
  // holding the storage record data/<key>.
  ValuePtr load_storage(const ValuePtr& pid) {
    if (pid->kind != Value::Kind::kTuple || pid->items.size() < 5 || pid->items[0]->text != "storage" ||
        pid->items[1]->kind != Value::Kind::kGlobal || pid->items[2]->kind != Value::Kind::kString ||
        pid->items[4]->kind != Value::Kind::kInt) {
      fail("unrecognised persistent id (expected a torch storage reference)");
    }
    const std::string& key = pid->items[2]->text;
    const auto cached = storages_.find(key);
    if (cached != storages_.end()) return cached->second;
    const auto dtype = detail::dtype_from_storage_class(pid->items[1]->text.substr(6));
    const int64_t numel = pid->items[4]->integer;
    const std::string record = "data/" + key;
    if (!archive_.hasRecord(record)) fail("storage record \"" + record + "\" is missing from the archive");
    auto [bytes, size] = archive_.getRecord(record);
    const uint64_t needed = static_cast<uint64_t>(numel) * c10::elementSize(*dtype);
    if (numel < 0 || size < needed) {
      fail("storage \"" + record + "\" holds " + std::to_string(size) + " bytes but " + std::to_string(needed) +
           " are needed (truncated file?)");
    }
    auto value = make(Value::Kind::kTensor);
    value->tensor = torch::empty({numel}, torch::TensorOptions().dtype(*dtype));
    // An empty storage may come with no buffer at all: memcpy from null is
    // undefined even for zero bytes (found by tests/fuzz/unpickler_fuzz.cpp).
    if (needed > 0) std::memcpy(value->tensor.data_ptr(), bytes.get(), needed);
    storages_.emplace(key, value);
    return value;
  }

  std::vector<int64_t> int_tuple(const ValuePtr& value, const char* what) {
    if (value->kind != Value::Kind::kTuple) fail(std::string(what) + " is not a tuple");
    std::vector<int64_t> numbers;
    for (const ValuePtr& item : value->items) {
      if (item->kind != Value::Kind::kInt) fail(std::string(what) + " holds a non-integer");
      numbers.push_back(item->integer);
    }
    return numbers;
  }

  ValuePtr rebuild_tensor(const std::vector<ValuePtr>& args) {
    if (args.size() < 4 || args[0]->kind != Value::Kind::kTensor || args[1]->kind != Value::Kind::kInt) {
      fail("malformed tensor in the pickle program");
    }
    const torch::Tensor& storage = args[0]->tensor;
    const int64_t offset = args[1]->integer;
    const std::vector<int64_t> sizes = int_tuple(args[2], "tensor size");
    const std::vector<int64_t> strides = int_tuple(args[3], "tensor stride");
    if (sizes.size() != strides.size()) fail("tensor size and stride differ in rank");
    // The view must lie inside its storage; as_strided does not check.
    int64_t last = offset;
    bool empty = false;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      if (sizes[i] < 0 || strides[i] < 0) fail("negative tensor size or stride");
      if (sizes[i] == 0) empty = true;
      last += (sizes[i] - 1) * strides[i];
    }
    if (offset < 0 || (!empty && last >= storage.numel())) fail("tensor view reaches past the end of its storage");
    auto value = make(Value::Kind::kTensor);
    value->tensor = empty ? torch::empty(sizes, storage.options())
                          : storage.as_strided(sizes, strides, offset).clone(at::MemoryFormat::Contiguous);
    return value;
  }

  ValuePtr call(const ValuePtr& callable, const ValuePtr& args) {
    if (callable->kind != Value::Kind::kGlobal || args->kind != Value::Kind::kTuple) fail("REDUCE on a non-callable");
    const std::string& name = callable->text;
    if (name == "collections.OrderedDict") return make(Value::Kind::kDict);
    if (name == "torch._utils._rebuild_tensor_v2" || name == "torch._utils._rebuild_tensor") return rebuild_tensor(args->items);
    if (name == "torch._utils._rebuild_parameter") {
      if (args->items.empty() || args->items[0]->kind != Value::Kind::kTensor) fail("malformed parameter");
      return args->items[0];
    }
    fail("\"" + name + "\" cannot be called");
  }

  std::string file_;
  const char* data_;
  std::size_t size_;
  std::size_t position_ = 0;
  caffe2::serialize::PyTorchStreamReader& archive_;
  std::vector<ValuePtr> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<uint64_t, ValuePtr> memo_;
  std::unordered_map<std::string, ValuePtr> storages_;
};

bool holds_tensors(const Value& dict) {
  for (const auto& entry : dict.entries) {
    if (entry.second->kind == Value::Kind::kTensor) return true;
  }
  return false;
}

}  // namespace

TensorMap read_torch_checkpoint(const std::filesystem::path& path) {
  const std::string file = path.string();
  std::unique_ptr<caffe2::serialize::PyTorchStreamReader> archive;
  try {
    archive = std::make_unique<caffe2::serialize::PyTorchStreamReader>(file);
  } catch (const c10::Error& error) {
    throw InputError(file, 0, std::string("not a readable torch.save zip archive: ") + error.what_without_backtrace());
  }
  try {
    if (archive->hasRecord("byteorder")) {
      auto [bytes, size] = archive->getRecord("byteorder");
      if (std::string(static_cast<const char*>(bytes.get()), size) != "little") {
        throw InputError(file, 0, "saved on a big-endian machine; only little-endian checkpoints are supported");
      }
    }
    if (!archive->hasRecord("data.pkl")) throw InputError(file, 0, "no data.pkl in the archive (not a torch.save file?)");
    auto [program, program_size] = archive->getRecord("data.pkl");
    Unpickler unpickler(file, static_cast<const char*>(program.get()), program_size, *archive);
    ValuePtr root = unpickler.run();

    if (root->kind != Value::Kind::kDict) {
      throw InputError(file, 0, std::string("holds a ") + kind_name(root->kind) + ", not a state dict");
    }
    // Training scripts often save {"model": state_dict, "epoch": ...}.
    if (!holds_tensors(*root)) {
      for (const auto& [key, value] : root->entries) {
        if (key->kind == Value::Kind::kString && value->kind == Value::Kind::kDict &&
            (key->text == "state_dict" || key->text == "model" || key->text == "model_state_dict" ||
             key->text == "module")) {
          root = value;
          break;
        }
      }
    }
    TensorMap tensors;
    std::size_t skipped = 0;
    for (const auto& [key, value] : root->entries) {
      if (key->kind != Value::Kind::kString) throw InputError(file, 0, "a state dict key is not a string");
      if (value->kind != Value::Kind::kTensor) {
        ++skipped;
        spdlog::warn("{}: entry \"{}\" is a {}, not a tensor; ignored", file, key->text, kind_name(value->kind));
        continue;
      }
      tensors.emplace(key->text, value->tensor);
    }
    if (tensors.empty()) throw InputError(file, 0, "holds no tensors");
    return tensors;
  } catch (const c10::Error& error) {
    throw InputError(file, 0, std::string("corrupt archive: ") + error.what_without_backtrace());
  }
}

}  // namespace icma::weights
