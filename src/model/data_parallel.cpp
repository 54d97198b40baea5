#include "icma/model/data_parallel.hpp"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/version.h>
#ifdef USE_C10D_NCCL  // LibTorch built with NCCL (CUDA builds)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <cstdlib>
#include <string>

#include <spdlog/spdlog.h>

#include "icma/core/error.hpp"

namespace icma::model {

// LibTorch 2.0 split c10d's process groups into a front end and backends
// (Gloo, NCCL); 1.13's backends are process groups themselves.
#if TORCH_VERSION_MAJOR >= 2
using CollectiveBackend = c10d::Backend;
#else
using CollectiveBackend = c10d::ProcessGroup;
#endif

namespace {

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

int environment_int(const char* name, int low, int high) {
  const std::string text = environment(name);
  try {
    std::size_t used = 0;
    const int value = std::stoi(text, &used);
    if (used == text.size() && value >= low && value <= high) return value;
  } catch (const std::exception&) {
  }
  throw InputError(std::string("environment variable ") + name + "=\"" + text + "\" must be an integer in [" +
                   std::to_string(low) + ", " + std::to_string(high) + "]");
}

// Gloo on CPU. On one machine it binds to loopback; across machines it
// resolves this host's address (GLOO_SOCKET_IFNAME picks an interface, as in PyTorch).
c10::intrusive_ptr<CollectiveBackend> gloo_group(const c10::intrusive_ptr<c10d::Store>& store, int rank, int size,
                                                 const std::string& address) {
  auto options = c10d::ProcessGroupGloo::Options::create();
  const std::string interface = environment("GLOO_SOCKET_IFNAME");
  if (!interface.empty()) {
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
  } else if (address == "127.0.0.1" || address == "localhost") {
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
  } else {
    options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  }
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, options);
}

}  // namespace

struct DataParallel::Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<CollectiveBackend> process_group;
  torch::Device device = torch::kCPU;  // where collectives run: the model's device
};

DataParallel::~DataParallel() = default;

std::unique_ptr<DataParallel> DataParallel::from_environment(torch::Device device) {
  std::unique_ptr<DataParallel> parallel(new DataParallel());
  if (environment("WORLD_SIZE").empty() || environment("WORLD_SIZE") == "1") return parallel;
  parallel->world_size_ = environment_int("WORLD_SIZE", 1, 1 << 16);
  parallel->rank_ = environment_int("RANK", 0, parallel->world_size_ - 1);
  const std::string address = environment("MASTER_ADDR");
  if (address.empty()) throw InputError("WORLD_SIZE is set but MASTER_ADDR is not");
  c10d::TCPStoreOptions store_options;
  store_options.port = static_cast<std::uint16_t>(environment_int("MASTER_PORT", 1, 65535));
  store_options.isServer = parallel->rank_ == 0;
  store_options.numWorkers = parallel->world_size_;
  auto group = std::make_unique<Group>();
  group->device = device;
  try {
    group->store = c10::make_intrusive<c10d::TCPStore>(address, store_options);
    if (device.is_cuda()) {
      // NCCL on GPUs, as torchrun + PyTorch DDP would.
#ifdef USE_C10D_NCCL
      group->process_group = c10::make_intrusive<c10d::ProcessGroupNCCL>(
          group->store, parallel->rank_, parallel->world_size_, c10d::ProcessGroupNCCL::Options::create());
#else
      throw InputError("data parallel on CUDA needs a LibTorch built with NCCL; this one has none");
#endif
    } else {
      group->process_group = gloo_group(group->store, parallel->rank_, parallel->world_size_, address);
    }
  } catch (const c10::Error& error) {
    throw Error("data parallel setup (rank " + std::to_string(parallel->rank_) + " of " +
                std::to_string(parallel->world_size_) + ", " + address + "): " + error.what_without_backtrace());
  }
  parallel->group_ = std::move(group);
  spdlog::info("data parallel: rank {} of {} via {}:{} ({})", parallel->rank_, parallel->world_size_, address,
               store_options.port, device.is_cuda() ? "NCCL" : "Gloo");
  return parallel;
}

void DataParallel::all_reduce_sum(const std::vector<torch::Tensor>& tensors) {
  if (world_size_ == 1 || tensors.empty()) return;
  std::vector<torch::Tensor> flat{torch::cat([&] {
    std::vector<torch::Tensor> views;
    for (const auto& tensor : tensors) views.push_back(tensor.reshape({-1}).to(group_->device, torch::kFloat32));
    return views;
  }())};
  group_->process_group->allreduce(flat)->wait();
  int64_t offset = 0;
  for (const auto& tensor : tensors) {
    const int64_t count = tensor.numel();
    tensor.copy_(flat[0].narrow(0, offset, count).view(tensor.sizes()));
    offset += count;
  }
}

void DataParallel::barrier() {
  if (world_size_ == 1) return;
  group_->process_group->barrier()->wait();
}

}  // namespace icma::model
