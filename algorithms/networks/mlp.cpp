#include "algorithms/networks/mlp.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "common/config.h"
#include "common/memory_limit.h"

namespace grl::networks {

const std::vector<std::string>& activation_names() {
  static const std::vector<std::string> names = {"elu", "gelu", "leaky_relu", "mish", "relu", "silu", "tanh"};
  return names;
}

Activation activation_by_name(const std::string& name) {
  if (name == "relu") return [](const torch::Tensor& x) { return torch::relu(x); };
  if (name == "silu") return [](const torch::Tensor& x) { return torch::silu(x); };
  if (name == "tanh") return [](const torch::Tensor& x) { return torch::tanh(x); };
  if (name == "gelu") return [](const torch::Tensor& x) { return torch::gelu(x); };
  if (name == "elu") return [](const torch::Tensor& x) { return torch::elu(x); };
  if (name == "mish") return [](const torch::Tensor& x) { return torch::mish(x); };
  if (name == "leaky_relu") return [](const torch::Tensor& x) { return torch::leaky_relu(x, 0.01); };
  std::string known;
  for (const auto& n : activation_names()) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown activation '" + name + "'; known activations: " + known);
}

template <class V>
void MlpConfig::visit(V& v) {
  v.field("hidden", hidden, "widths of the hidden layers", config::at_least(1));
  v.field("activation", activation, "activation between layers", config::one_of(activation_names()));
}
template void MlpConfig::visit(config::Reader&);
template void MlpConfig::visit(config::Writer&);

MlpImpl::MlpImpl(int64_t input_dim, int64_t output_dim, MlpConfig config)
    : input_dim_(input_dim), output_dim_(output_dim), config_(std::move(config)),
      activation_(activation_by_name(config_.activation)) {
  if (input_dim < 1 || output_dim < 1) {
    throw std::invalid_argument("MLP: input and output dims must be >= 1, got " + std::to_string(input_dim) + " -> " +
                                std::to_string(output_dim));
  }
  int64_t width = input_dim;
  std::vector<int64_t> widths(config_.hidden.begin(), config_.hidden.end());
  widths.push_back(output_dim);
  double parameters = 0;  // in double: products of absurd widths would wrap around an integer
  std::string shape = std::to_string(input_dim);
  for (const int64_t w : widths) {
    parameters += static_cast<double>(width + 1) * static_cast<double>(std::max<int64_t>(w, 0));
    shape += "-" + std::to_string(w);
    width = w;
  }
  char count[32];
  std::snprintf(count, sizeof(count), "%.0f", parameters);
  require_fits_in_memory(parameters * kTrainingBytesPerParameter,
                         "an MLP " + shape + " (" + count + " parameters, trained with Adam)");
  width = input_dim;
  for (std::size_t i = 0; i < widths.size(); ++i) {
    if (widths[i] < 1) throw std::invalid_argument("MLP: hidden width " + std::to_string(widths[i]) + " must be >= 1");
    layers_.push_back(register_module("linear" + std::to_string(i), torch::nn::Linear(width, widths[i])));
    width = widths[i];
  }
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) {
  torch::Tensor h = x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    h = layers_[i]->forward(h);
    if (i + 1 < layers_.size()) h = activation_(h);
  }
  return h;
}

}  // namespace grl::networks
