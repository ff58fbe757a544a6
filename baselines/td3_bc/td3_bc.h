// TD3+BC (Fujimoto & Gu 2021, "A Minimalist Approach to Offline Reinforcement Learning"), as CORL's
// td3_bc.py runs it. One "train" stage; every step updates the twin critic, every `policy_delay`-th
// step also the actor and the Polyak targets:
//
//   a'      = clip(pi_bar(s') + clip(sigma eps, -c, c), -1, 1)    eps ~ N(0, I), sigma 0.2, c 0.5
//   y       = r + gamma (1 - done) min(Qbar1, Qbar2)(s', a')
//   L_Q     = MSE(Q1(s, a), y) + MSE(Q2(s, a), y)
//   lambda  = alpha / mean|Q1(s, pi(s))|                          (detached), alpha 2.5
//   L_pi    = -lambda mean Q1(s, pi(s)) + mean_{batch, dims} (pi(s) - a)^2
//   Qbar, pi_bar <- (1 - rho) . + rho .                           rho 0.005, after each actor update
//
// pi is the deterministic tanh actor (256-256, ReLU), Q the twin critic of algorithms/networks.
// States are normalised with the dataset's mean and std (run config `normalize_states: true`; the
// run applies the same statistics when acting).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "algorithms/networks/critics.h"
#include "algorithms/training/algorithm.h"
#include "algorithms/training/algorithm_registry.h"
#include "plugin/grl_plugin.h"
#include "baselines/baseline_support.h"
#include "datasets/batch_sampler.h"

namespace grl::baselines {

struct Td3BcConfig {
  std::int64_t steps = 1000000;       // critic steps (the actor gets steps / policy_delay)
  std::int64_t batch_size = 256;
  double alpha = 2.5;                 // weight of the Q term relative to the BC term
  double discount = 0.99;             // gamma
  double target_update_rate = 0.005;  // Polyak rho of critic and actor targets
  double policy_noise = 0.2;          // sigma of the target policy smoothing noise
  double noise_clip = 0.5;            // c: the noise is clipped to [-c, c]
  int policy_delay = 2;               // critic steps per actor (and target) update
  double actor_lr = 3e-4;
  double critic_lr = 3e-4;
  networks::MlpConfig actor;          // deterministic actor: 256-256, ReLU, tanh output
  networks::MlpConfig critic;         // each Q head: MLP [a, s] -> 256 -> 256 -> 1, ReLU

  template <class V>
  void visit(V& v);
};

// --- The pieces, on plain tensors ([B] or [B, A]).
// alpha / mean|q|, detached (a scalar tensor).
torch::Tensor td3_bc_lambda(const torch::Tensor& q, double alpha);
// -lambda mean(q) + mean((policy_actions - data_actions)^2), lambda = td3_bc_lambda(q, alpha).
torch::Tensor td3_bc_actor_loss(const torch::Tensor& q, const torch::Tensor& policy_actions,
                                const torch::Tensor& data_actions, double alpha);
// clip(target_actions + clip(policy_noise * standard_noise, -noise_clip, noise_clip), -1, 1).
torch::Tensor smoothed_target_actions(const torch::Tensor& target_actions, const torch::Tensor& standard_noise,
                                      double policy_noise, double noise_clip);

class Td3Bc : public training::Algorithm {
 public:
  // context.data may be null: built for acting only (a checkpoint is loaded into it).
  Td3Bc(const Td3BcConfig& config, const training::AlgorithmContext& context);

  std::vector<training::Stage> stages() const override;
  training::Metrics train_step(const std::string& stage, std::int64_t step) override;
  void save(training::CheckpointWriter& out) const override;
  void load(const training::CheckpointReader& in) override;
  std::shared_ptr<training::Policy> policy() override;

  const Td3BcConfig& config() const { return config_; }

  DeterministicActor actor{nullptr}, actor_target{nullptr};
  networks::DoubleQNetwork q{nullptr}, q_target{nullptr};

 private:
  Td3BcConfig config_;
  training::AlgorithmContext context_;
  std::unique_ptr<torch::optim::Adam> actor_optimizer_, critic_optimizer_;
  std::optional<datasets::BatchSampler> sampler_;
  std::int64_t critic_steps_ = 0;
  double last_actor_loss_ = 0, last_lambda_ = 0;  // logged on the steps without an actor update
};

void register_td3_bc(plugin::PluginRegistrar& registrar);

}  // namespace grl::baselines
