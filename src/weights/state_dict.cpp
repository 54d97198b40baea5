#include "icma/weights/state_dict.hpp"

#include <set>
#include <sstream>

#include "icma/core/error.hpp"

namespace icma::weights {
namespace {

std::string shape_text(c10::IntArrayRef sizes) {
  std::ostringstream out;
  out << sizes;
  return out.str();
}

}  // namespace

LoadReport load_into(torch::nn::Module& module, const TensorMap& tensors, const std::string& source,
                     bool allow_missing, bool allow_unexpected) {
  torch::NoGradGuard no_grad;
  LoadReport report;
  std::set<std::string> used;
  auto copy_into = [&](const std::string& name, torch::Tensor& target) {
    const auto found = tensors.find(name);
    if (found == tensors.end()) {
      report.missing.push_back(name);
      return;
    }
    used.insert(name);
    if (found->second.sizes() != target.sizes()) {
      throw InputError(source, 0, "weight \"" + name + "\" has shape " + shape_text(found->second.sizes()) +
                                      " but the model needs " + shape_text(target.sizes()));
    }
    target.copy_(found->second);
  };
  for (auto& item : module.named_parameters(/*recurse=*/true)) copy_into(item.key(), item.value());
  for (auto& item : module.named_buffers(/*recurse=*/true)) copy_into(item.key(), item.value());
  for (const auto& entry : tensors) {
    if (!used.count(entry.first)) report.unexpected.push_back(entry.first);
  }
  if (!report.missing.empty() && !allow_missing) {
    throw InputError(source, 0, "missing weights: " + join_weight_names(report.missing));
  }
  if (!report.unexpected.empty() && !allow_unexpected) {
    throw InputError(source, 0, "weights the model does not have: " + join_weight_names(report.unexpected));
  }
  return report;
}

std::string join_weight_names(const std::vector<std::string>& names, std::size_t limit) {
  std::string text;
  for (std::size_t i = 0; i < names.size() && i < limit; ++i) text += (i ? ", " : "") + names[i];
  if (names.size() > limit) text += ", ... (" + std::to_string(names.size()) + " in all)";
  return text;
}

TensorMap state_dict(const torch::nn::Module& module) {
  TensorMap tensors;
  for (const auto& item : module.named_parameters(true)) tensors[item.key()] = item.value().detach().to(torch::kCPU, false, /*copy=*/true).contiguous();
  for (const auto& item : module.named_buffers(true)) tensors[item.key()] = item.value().detach().to(torch::kCPU, false, /*copy=*/true).contiguous();
  return tensors;
}

}  // namespace icma::weights
