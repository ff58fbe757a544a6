// The IQL critic (Kostrikov et al. 2022) shared by GMPO, GMPG and the baselines that need Q and V
// learned from the data alone:
//
//   u   = min(Qbar1, Qbar2)(s, a) - V(s)                          (Qbar: Polyak targets)
//   L_V = mean(|tau - 1[u < 0]| u^2)                              expectile regression, tau 0.7 / 0.9
//   y   = r + gamma (1 - done) V(s')                              no target V
//   L_Q = (MSE(Q1, y) + MSE(Q2, y)) / 2
//   Qbar <- (1 - rho) Qbar + rho Q after every update, rho = 0.005
//
// One update() is one gradient step of V, then of Q, then the target update. y uses V(s') as it
// was before this step's V update (CORL's order: next_v is computed first).
//
//   IqlCritic critic(IqlCriticConfig{}, state_dim, action_dim);
//   critic->to(device);
//   training::Metrics m = critic->update(batch);         // batch: s, a, r, s', done
//   torch::Tensor adv = critic->advantage(states, actions); // [B], no gradient
//   torch::Tensor q = critic->q_value(states, actions);     // [B], differentiable in the actions
//
// The loss functions are free functions so that they can be checked on hand-made tensors.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "algorithms/networks/critics.h"
#include "algorithms/training/algorithm.h"
#include "algorithms/training/checkpoint.h"
#include "datasets/transition_set.h"

namespace grl::iql {

struct IqlCriticConfig {
  networks::CriticNetworkConfig network;  // Q heads and V: MLP 256-256, ReLU
  double q_lr = 3e-4;                     // Adam learning rate of both Q heads
  double v_lr = 3e-4;                     // Adam learning rate of V
  double expectile = 0.7;                 // tau: 0.7 locomotion, 0.9 AntMaze
  double discount = 0.99;                 // gamma
  double target_update_rate = 0.005;      // Polyak rho
  int target_update_every = 1;            // steps between target updates

  template <class V>
  void visit(V& v);
};

// --- Losses and updates on plain tensors (every tensor argument may be [B] or [B, 1]).

// mean(|tau - 1[u < 0]| u^2) of the residuals u = target - prediction.
torch::Tensor expectile_loss(const torch::Tensor& residual, double expectile);
// r + discount * (1 - done) * next_value, as [B].
torch::Tensor td_target(const torch::Tensor& rewards, const torch::Tensor& dones, const torch::Tensor& next_values,
                        double discount);
// (MSE(q1, target) + MSE(q2, target)) / 2; the target carries no gradient.
torch::Tensor double_q_loss(const torch::Tensor& q1, const torch::Tensor& q2, const torch::Tensor& target);

class IqlCriticImpl : public torch::nn::Module {
 public:
  IqlCriticImpl(const IqlCriticConfig& config, int64_t state_dim, int64_t action_dim);

  // One IQL step on a batch (observations, actions, rewards, next_observations, dones): V, Q, target.
  // Returns q_loss, v_loss, q_mean, v_mean, advantage_mean.
  training::Metrics update(const datasets::TransitionBatch& batch);

  // min(Q1, Q2)(s, a) of the trained heads: [B]; follows the caller's grad mode (GMPG differentiates
  // it in the actions).
  torch::Tensor q_value(const torch::Tensor& states, const torch::Tensor& actions) const;
  // min(Qbar1, Qbar2)(s, a) of the Polyak targets: [B]; follows the caller's grad mode.
  torch::Tensor target_q_value(const torch::Tensor& states, const torch::Tensor& actions) const;
  // V(s): [B]; follows the caller's grad mode.
  torch::Tensor value(const torch::Tensor& states) const;
  // min(Qbar1, Qbar2)(s, a) - V(s): [B], computed without gradient (what GMPO weights by).
  torch::Tensor advantage(const torch::Tensor& states, const torch::Tensor& actions) const;

  // Stops (false) or restarts (true) gradients into every critic parameter, e.g. to freeze the
  // critic while a policy is trained against it.
  void set_trainable(bool trainable);

  // Modules and optimiser states under "<prefix>/..." (prefix e.g. "critic").
  void save(training::CheckpointWriter& out, const std::string& prefix) const;
  void load(const training::CheckpointReader& in, const std::string& prefix);

  const IqlCriticConfig& config() const { return config_; }
  int64_t steps() const { return steps_; }

  networks::DoubleQNetwork q{nullptr};         // trained heads
  networks::DoubleQNetwork q_target{nullptr};  // Polyak copies (never trained directly)
  networks::ValueNetwork v{nullptr};

 private:
  IqlCriticConfig config_;
  std::unique_ptr<torch::optim::Adam> q_optimizer_;
  std::unique_ptr<torch::optim::Adam> v_optimizer_;
  int64_t steps_ = 0;
};
TORCH_MODULE(IqlCritic);

}  // namespace grl::iql
