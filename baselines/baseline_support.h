// What the offline baselines (BC, IQL, TD3+BC, CQL) share: the deterministic tanh actor of BC and
// TD3+BC, the two ways they act (that actor, or tanh of a tanh-Gaussian's mean), the check of the
// context they are built with, and CORL's network initialisations; and, for every baseline, setting
// an optimiser's learning rate.
#pragma once

#include <torch/torch.h>

#include <string>

#include "algorithms/networks/mlp.h"
#include "algorithms/networks/tanh_gaussian_actor.h"
#include "algorithms/training/algorithm.h"
#include "algorithms/training/algorithm_registry.h"

namespace grl::baselines {

// a = tanh(MLP(s)): [B, S] -> [B, A] in (-1, 1). CORL's BC / TD3+BC actor (256-256, ReLU).
class DeterministicActorImpl : public torch::nn::Module {
 public:
  DeterministicActorImpl(int64_t state_dim, int64_t action_dim, const networks::MlpConfig& config = {});
  torch::Tensor forward(const torch::Tensor& states);

  networks::Mlp mlp{nullptr};
};
TORCH_MODULE(DeterministicActor);

// Acts with a deterministic actor, without gradients, on the actor's device.
class DeterministicActorPolicy : public training::Policy {
 public:
  explicit DeterministicActorPolicy(DeterministicActor actor) : actor_(std::move(actor)) {}
  torch::Tensor act(const torch::Tensor& observations) override;

 private:
  DeterministicActor actor_;
};

// Acts with tanh(mean) of a tanh-Gaussian actor (how SAC, CQL and IQL are evaluated).
class TanhGaussianMeanPolicy : public training::Policy {
 public:
  explicit TanhGaussianMeanPolicy(networks::TanhGaussianActor actor) : actor_(std::move(actor)) {}
  torch::Tensor act(const torch::Tensor& observations) override;

 private:
  networks::TanhGaussianActor actor_;
};

// Throws std::invalid_argument naming `algorithm` when the env spec has no dimensions or the data's
// widths differ from the env's.
void check_context(const std::string& algorithm, const training::AlgorithmContext& context);

// The data a baseline trains on; throws std::logic_error when it was built for acting only.
const datasets::TransitionSet& training_data(const std::string& algorithm, const training::AlgorithmContext& context);

// MSE(q1, target) + MSE(q2, target): the sum over the two heads, as TD3, TD3+BC and CQL take it (the
// IQL critic averages them); [B] or [B, 1] each, the target carries no gradient.
torch::Tensor twin_q_loss(const torch::Tensor& q1, const torch::Tensor& q2, const torch::Tensor& target);

// CORL's critic initialisation: orthogonal weights with gain sqrt(2) on the hidden layers, gain
// `output_gain` on the output layer, zero biases.
void orthogonal_init(networks::MlpImpl& mlp, double output_gain = 1e-2);

// Sets every parameter group of `optimizer` to learning rate `lr` (how the schedules are applied).
void set_learning_rate(torch::optim::Adam& optimizer, double lr);

}  // namespace grl::baselines
