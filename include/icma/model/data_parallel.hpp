#pragma once
// Data-parallel training across processes and machines through LibTorch's
// own c10d: a TCPStore for rendezvous and ProcessGroupGloo for all-reduce
// (no networking of ours). Processes are started as torchrun starts them,
// with RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT in the environment
// (LOCAL_RANK is accepted and unused on CPU).

#include <torch/types.h>

#include <memory>
#include <vector>

namespace icma::model {

class DataParallel {
 public:
  // From the environment (torchrun's RANK, WORLD_SIZE, MASTER_ADDR,
  // MASTER_PORT); a single process (rank 0 of 1) when WORLD_SIZE is unset or
  // 1. Collectives run on `device`: NCCL for CUDA, Gloo for CPU. Bad or
  // partial settings throw InputError naming the variable.
  static std::unique_ptr<DataParallel> from_environment(torch::Device device = torch::kCPU);
  ~DataParallel();

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  bool is_main() const { return rank_ == 0; }

  // Sums each tensor over all processes, in place (one flat buffer, one call).
  void all_reduce_sum(const std::vector<torch::Tensor>& tensors);
  void barrier();

 private:
  DataParallel() = default;
  struct Group;
  int rank_ = 0;
  int world_size_ = 1;
  std::unique_ptr<Group> group_;
};

}  // namespace icma::model
