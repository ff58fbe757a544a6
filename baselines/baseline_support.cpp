#include "baselines/baseline_support.h"

#include <cmath>
#include <stdexcept>

namespace grl::baselines {

DeterministicActorImpl::DeterministicActorImpl(int64_t state_dim, int64_t action_dim, const networks::MlpConfig& config) {
  mlp = register_module("mlp", networks::Mlp(state_dim, action_dim, config));
}

torch::Tensor DeterministicActorImpl::forward(const torch::Tensor& states) { return torch::tanh(mlp->forward(states)); }

namespace {

// Observations moved to where (and in the dtype that) the module's parameters live.
torch::Tensor baseline_policy_input(const torch::nn::Module& module, const torch::Tensor& observations) {
  const auto parameters = module.parameters();
  if (parameters.empty()) return observations;
  return observations.to(parameters.front().device(), parameters.front().scalar_type());
}

}  // namespace

torch::Tensor DeterministicActorPolicy::act(const torch::Tensor& observations) {
  torch::NoGradGuard no_grad;
  return actor_->forward(baseline_policy_input(*actor_, observations));
}

torch::Tensor TanhGaussianMeanPolicy::act(const torch::Tensor& observations) {
  torch::NoGradGuard no_grad;
  return actor_->deterministic_action(baseline_policy_input(*actor_, observations));
}

void check_context(const std::string& algorithm, const training::AlgorithmContext& context) {
  const int64_t state_dim = context.env.obs_dim;
  const int64_t action_dim = context.env.act_dim;
  if (state_dim <= 0 || action_dim <= 0) {
    throw std::invalid_argument(algorithm + ": the context's env spec has no dimensions (obs_dim " +
                                std::to_string(state_dim) + ", act_dim " + std::to_string(action_dim) + ")");
  }
  if (context.data && (context.data->obs_dim() != state_dim || context.data->act_dim() != action_dim)) {
    throw std::invalid_argument(algorithm + ": dataset widths (" + std::to_string(context.data->obs_dim()) + ", " +
                                std::to_string(context.data->act_dim()) + ") differ from env '" + context.env.id + "' (" +
                                std::to_string(state_dim) + ", " + std::to_string(action_dim) + ")");
  }
}

const datasets::TransitionSet& training_data(const std::string& algorithm, const training::AlgorithmContext& context) {
  if (!context.data) throw std::logic_error(algorithm + ": built without a dataset (for acting only); cannot train");
  return *context.data;
}

namespace {
torch::Tensor baseline_column_free(const torch::Tensor& t) { return t.dim() == 2 && t.size(1) == 1 ? t.squeeze(1) : t; }
}  // namespace

torch::Tensor twin_q_loss(const torch::Tensor& q1, const torch::Tensor& q2, const torch::Tensor& target) {
  const torch::Tensor y = baseline_column_free(target).detach();
  const torch::Tensor a = baseline_column_free(q1), b = baseline_column_free(q2);
  if (a.sizes() != y.sizes() || b.sizes() != y.sizes()) {
    throw std::invalid_argument("twin_q_loss: Q heads " + c10::str(a.sizes()) + ", " + c10::str(b.sizes()) +
                                " and target " + c10::str(y.sizes()) + " differ in shape");
  }
  return torch::mse_loss(a, y) + torch::mse_loss(b, y);
}

void orthogonal_init(networks::MlpImpl& mlp, double output_gain) {
  torch::NoGradGuard no_grad;
  auto parameters = mlp.named_parameters(true);
  int64_t layers = 0;
  for (const auto& item : parameters)
    if (item.key().size() > 7 && item.key().compare(item.key().size() - 7, 7, ".weight") == 0) ++layers;
  const std::string output_layer = "linear" + std::to_string(layers - 1) + ".";
  for (auto& item : parameters) {
    const std::string& key = item.key();
    if (key.size() > 5 && key.compare(key.size() - 5, 5, ".bias") == 0) {
      item.value().zero_();
    } else {
      const bool output = key.compare(0, output_layer.size(), output_layer) == 0;
      torch::nn::init::orthogonal_(item.value(), output ? output_gain : std::sqrt(2.0));
    }
  }
}

void set_learning_rate(torch::optim::Adam& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
}

}  // namespace grl::baselines
