#include "icma/gnn/pretrain.hpp"

#include <torch/nn/functional/loss.h>
#include <torch/nn/functional/normalization.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/optim/adam.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <numeric>

#include "attribute_masking.hpp"
#include "shared_forward.hpp"
#include "icma/core/error.hpp"
#include "icma/core/progress.hpp"
#include "icma/core/random.hpp"
#include "icma/gnn/gin_weights.hpp"

namespace icma::gnn {
namespace {

void check(const std::vector<chem::MolGraph>& graphs, const PretrainOptions& options) {
  if (options.out.empty()) throw InputError("gnn-pretrain needs an output file");
  if (options.batch_size == 0) throw InputError("--batch-size must be positive");
  if (!(options.learning_rate > 0.0)) throw InputError("--lr must be positive");
  if (!(options.mask_rate > 0.0 && options.mask_rate < 1.0)) throw InputError("--mask-rate must be in (0, 1)");
  if (options.contrastive_weight < 0.0) throw InputError("--contrastive must not be negative");
  if (!(options.temperature > 0.0)) throw InputError("the contrastive temperature must be positive");
  if (options.epochs > 0 && graphs.empty()) throw InputError("no molecules to pre-train on");
  for (std::size_t i = 0; i < graphs.size(); ++i) {
    if (graphs[i].num_atoms() == 0) throw InputError("molecule " + std::to_string(i) + " has no atoms");
  }
}

std::map<std::string, std::string> file_metadata(const PretrainOptions& options, std::size_t epoch, double loss) {
  std::map<std::string, std::string> metadata = options.metadata;
  metadata["objective"] = "attribute_masking";
  metadata["epochs_done"] = std::to_string(epoch);
  metadata["epochs"] = std::to_string(options.epochs);
  metadata["batch_size"] = std::to_string(options.batch_size);
  metadata["lr"] = std::to_string(options.learning_rate);
  metadata["mask_rate"] = std::to_string(options.mask_rate);
  metadata["mask_edges"] = options.mask_edges ? "1" : "0";
  metadata["seed"] = std::to_string(options.seed);
  metadata["contrastive_weight"] = std::to_string(options.contrastive_weight);
  if (epoch > 0) metadata["last_epoch_loss"] = std::to_string(loss);
  return metadata;
}

// The molecule order of one epoch: a Fisher-Yates shuffle from the epoch's stream.
std::vector<std::size_t> epoch_order(std::size_t count, std::uint64_t seed, std::size_t epoch) {
  std::vector<std::size_t> order(count);
  std::iota(order.begin(), order.end(), 0);
  Rng rng = Rng::for_stream(splitmix64(seed ^ 0x5eedULL), epoch);
  for (std::size_t i = count; i > 1; --i) std::swap(order[i - 1], order[static_cast<std::size_t>(rng.below(i))]);
  return order;
}

}  // namespace

std::vector<EpochStats> pretrain_attribute_masking(const std::vector<chem::MolGraph>& graphs,
                                                   const PretrainOptions& options) {
  check(graphs, options);
  torch::manual_seed(options.seed);
  GinEncoder encoder(options.config);
  torch::nn::Linear atom_head(options.config.emb_dim, chem::kNumAtomTypes);
  torch::nn::Linear bond_head(options.config.emb_dim, 4);
  torch::nn::Sequential projection(torch::nn::Linear(options.config.emb_dim, options.config.emb_dim), torch::nn::ReLU(),
                                   torch::nn::Linear(options.config.emb_dim, options.config.emb_dim));
  const bool contrastive = options.contrastive_weight > 0.0;
  std::vector<torch::Tensor> parameters = encoder->parameters();
  for (const auto& p : atom_head->parameters()) parameters.push_back(p);
  if (options.mask_edges) {
    for (const auto& p : bond_head->parameters()) parameters.push_back(p);
  }
  if (contrastive) {
    for (const auto& p : projection->parameters()) parameters.push_back(p);
  }
  torch::optim::Adam optimizer(parameters,
                               torch::optim::AdamOptions(options.learning_rate).weight_decay(options.weight_decay));

  const std::size_t batches_per_epoch = (graphs.size() + options.batch_size - 1) / options.batch_size;
  std::unique_ptr<Progress> progress;
  if (options.progress && options.epochs > 0) {
    progress = std::make_unique<Progress>("gnn-pretrain", batches_per_epoch * options.epochs);
  }
  const std::uint64_t mask_seed = splitmix64(options.seed ^ 0x6d61736bULL);
  std::vector<EpochStats> history;
  for (std::size_t epoch = 1; epoch <= options.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    encoder->train();
    const std::vector<std::size_t> order = epoch_order(graphs.size(), options.seed, epoch);
    double loss_sum = 0.0;
    std::size_t loss_batches = 0, correct = 0, scored = 0;
    for (std::size_t first = 0; first < order.size(); first += options.batch_size) {
      const std::size_t last = std::min(order.size(), first + options.batch_size);
      std::vector<const chem::MolGraph*> batch;
      std::vector<std::uint64_t> streams;
      for (std::size_t i = first; i < last; ++i) {
        batch.push_back(&graphs[order[i]]);
        streams.push_back(static_cast<std::uint64_t>(epoch) * graphs.size() + order[i]);
      }
      const detail::MaskedBatch masked =
          detail::mask_batch(batch, streams, mask_seed, options.mask_rate, options.mask_edges);
      if (progress) progress->advance();
      if (masked.atom_label.size(0) == 0) continue;  // only unknown atoms were masked: nothing to score
      // Without dropout, equal nodes share their MLP work (same result, faster).
      const auto encode = [&](const detail::MaskedBatch& view) {
        std::vector<const chem::MolGraph*> corrupted;
        for (const chem::MolGraph& graph : view.graphs) corrupted.push_back(&graph);
        return options.config.dropout == 0.0 ? detail::forward_with_shared_work(*encoder, corrupted)
                                             : encoder->forward(view.batch);
      };
      const torch::Tensor nodes = encode(masked);
      const torch::Tensor atom_logits = atom_head(nodes.index_select(0, masked.atom_node));
      torch::Tensor loss = torch::nn::functional::cross_entropy(atom_logits, masked.atom_label);
      if (options.mask_edges && masked.bond_label.size(0) > 0) {
        const torch::Tensor ends = nodes.index_select(0, masked.bond_ends[0]) + nodes.index_select(0, masked.bond_ends[1]);
        loss = loss + torch::nn::functional::cross_entropy(bond_head(ends), masked.bond_label);
      }
      if (contrastive && batch.size() > 1) {
        // A second, independent masking of the same molecules.
        std::vector<std::uint64_t> twin_streams;
        for (std::uint64_t stream : streams) twin_streams.push_back(stream ^ 0x8000000000000000ULL);
        const detail::MaskedBatch twin = detail::mask_batch(batch, twin_streams, mask_seed, options.mask_rate, false);
        const auto project = [&](const torch::Tensor& node_rows, const GraphBatch& view) {
          const torch::Tensor pooled = mean_pool(node_rows, view.graph_of_node, view.num_graphs);
          return torch::nn::functional::normalize(projection->forward(pooled),
                                                  torch::nn::functional::NormalizeFuncOptions().dim(1));
        };
        const torch::Tensor a = project(nodes, masked.batch);
        const torch::Tensor b = project(encode(twin), twin.batch);
        const torch::Tensor logits = torch::mm(a, b.t()) / options.temperature;
        const torch::Tensor targets = torch::arange(logits.size(0), torch::kLong);
        const torch::Tensor info_nce = 0.5 * (torch::nn::functional::cross_entropy(logits, targets) +
                                              torch::nn::functional::cross_entropy(logits.t(), targets));
        loss = loss + options.contrastive_weight * info_nce;
      }
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      loss_sum += loss.item<double>();
      ++loss_batches;
      correct += static_cast<std::size_t>(atom_logits.argmax(1).eq(masked.atom_label).sum().item<std::int64_t>());
      scored += static_cast<std::size_t>(masked.atom_label.size(0));
    }
    EpochStats stats;
    stats.epoch = epoch;
    stats.loss = loss_batches ? loss_sum / static_cast<double>(loss_batches) : 0.0;
    stats.atom_accuracy = scored ? static_cast<double>(correct) / static_cast<double>(scored) : 0.0;
    stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    history.push_back(stats);
    spdlog::info("epoch {}/{}: loss {:.4f}, masked-atom accuracy {:.3f} ({:.1f} s)", epoch, options.epochs, stats.loss,
                 stats.atom_accuracy, stats.seconds);
    if (options.checkpoint_every > 0 && epoch % options.checkpoint_every == 0 && epoch < options.epochs) {
      encoder->eval();  // saved as it will be used
      save_gin(*encoder, options.out, file_metadata(options, epoch, stats.loss));
      spdlog::info("checkpoint written to {} (epoch {})", options.out, epoch);
    }
  }
  if (progress) progress->finish();
  encoder->eval();
  save_gin(*encoder, options.out, file_metadata(options, options.epochs, history.empty() ? 0.0 : history.back().loss));
  return history;
}

}  // namespace icma::gnn
