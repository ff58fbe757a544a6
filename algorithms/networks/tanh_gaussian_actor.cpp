#include "algorithms/networks/tanh_gaussian_actor.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "common/config.h"
#include "common/memory_limit.h"
#include "common/tensor_shape.h"

namespace grl::networks {

template <class V>
void TanhGaussianActorConfig::visit(V& v) {
  v.field("hidden", hidden, "widths of the ReLU hidden layers (fc0, fc1, ...)", config::at_least(1));
  v.field("log_std_min", log_std_min, "lower clamp of the log standard deviation");
  v.field("log_std_max", log_std_max, "upper clamp of the log standard deviation");
}
template void TanhGaussianActorConfig::visit(config::Reader&);
template void TanhGaussianActorConfig::visit(config::Writer&);

torch::Tensor tanh_log_det_jacobian(const torch::Tensor& pre_tanh) {
  return 2.0 * (std::log(2.0) - pre_tanh - torch::softplus(-2.0 * pre_tanh));
}

torch::Tensor tanh_gaussian_log_prob(const torch::Tensor& mean, const torch::Tensor& log_std, const torch::Tensor& pre_tanh) {
  const auto z = (pre_tanh - mean) * torch::exp(-log_std);
  const auto gaussian = -0.5 * z.pow(2) - log_std - 0.5 * std::log(2.0 * M_PI);
  return (gaussian - tanh_log_det_jacobian(pre_tanh)).sum(-1);
}

TanhGaussianActorImpl::TanhGaussianActorImpl(int64_t state_dim, int64_t action_dim, TanhGaussianActorConfig config)
    : state_dim_(state_dim), action_dim_(action_dim), config_(std::move(config)) {
  if (state_dim < 1 || action_dim < 1)
    throw std::invalid_argument("tanh-Gaussian actor: state and action dims must be >= 1");
  if (!(config_.log_std_min < config_.log_std_max))
    throw std::invalid_argument("tanh-Gaussian actor: log_std_min must be below log_std_max");
  double parameters = 0;  // in double: products of absurd widths would wrap around an integer
  int64_t width = state_dim;
  for (const int w : config_.hidden) {
    parameters += static_cast<double>(width + 1) * std::max(w, 0);
    width = w;
  }
  parameters += 2.0 * static_cast<double>(width + 1) * static_cast<double>(action_dim);
  char count[32];
  std::snprintf(count, sizeof(count), "%.0f", parameters);
  require_fits_in_memory(parameters * kTrainingBytesPerParameter,
                         std::string("a tanh-Gaussian actor of ") + count + " parameters (trained with Adam)");
  width = state_dim;
  for (std::size_t i = 0; i < config_.hidden.size(); ++i) {
    hidden_.push_back(register_module("fc" + std::to_string(i), torch::nn::Linear(width, config_.hidden[i])));
    width = config_.hidden[i];
  }
  last_fc_ = register_module("last_fc", torch::nn::Linear(width, action_dim));
  last_fc_log_std_ = register_module("last_fc_log_std", torch::nn::Linear(width, action_dim));
}

std::pair<torch::Tensor, torch::Tensor> TanhGaussianActorImpl::forward(const torch::Tensor& states) {
  if (states.dim() != 2 || states.size(1) != state_dim_) {
    throw std::invalid_argument("tanh-Gaussian actor: expected states of shape [B, " + std::to_string(state_dim_) +
                                "], got " + shape_of(states));
  }
  torch::Tensor h = states;
  for (auto& layer : hidden_) h = torch::relu(layer->forward(h));
  return {last_fc_->forward(h), last_fc_log_std_->forward(h).clamp(config_.log_std_min, config_.log_std_max)};
}

TanhGaussianSample TanhGaussianActorImpl::sample(const torch::Tensor& states, c10::optional<at::Generator> generator) {
  auto [mean, log_std] = forward(states);
  const auto noise = at::normal(0.0, 1.0, mean.sizes(), generator, mean.options());
  TanhGaussianSample s;
  s.pre_tanh = mean + torch::exp(log_std) * noise;
  s.action = torch::tanh(s.pre_tanh);
  s.log_prob = tanh_gaussian_log_prob(mean, log_std, s.pre_tanh);
  return s;
}

torch::Tensor TanhGaussianActorImpl::deterministic_action(const torch::Tensor& states) {
  return torch::tanh(forward(states).first);
}

torch::Tensor TanhGaussianActorImpl::log_prob(const torch::Tensor& states, const torch::Tensor& actions) {
  auto [mean, log_std] = forward(states);
  const auto pre_tanh = torch::atanh(actions.clamp(-1.0 + 1e-6, 1.0 - 1e-6));
  return tanh_gaussian_log_prob(mean, log_std, pre_tanh);
}

std::map<std::string, torch::Tensor> TanhGaussianActorImpl::policy_weights() const {
  std::map<std::string, torch::Tensor> weights;
  for (const auto& item : named_parameters()) {
    // named_parameters() uses '.' between module and parameter: "fc0.weight" -> "fc0/weight".
    std::string key = item.key();
    std::replace(key.begin(), key.end(), '.', '/');
    weights[key] = item.value().detach().to(torch::kCPU, torch::kFloat32).clone();
  }
  return weights;
}

void TanhGaussianActorImpl::load_policy_weights(const std::map<std::string, torch::Tensor>& weights) {
  torch::NoGradGuard no_grad;
  for (auto& item : named_parameters()) {
    std::string key = item.key();
    std::replace(key.begin(), key.end(), '.', '/');
    const auto found = weights.find(key);
    if (found == weights.end()) throw std::invalid_argument("policy weights: missing entry '" + key + "'");
    if (found->second.sizes() != item.value().sizes()) {
      throw std::invalid_argument("policy weights: entry '" + key + "' has shape " + shape_of(found->second) +
                                  ", the actor expects " + shape_of(item.value()));
    }
    item.value().copy_(found->second);
  }
}

}  // namespace grl::networks
