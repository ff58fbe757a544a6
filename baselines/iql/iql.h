// Implicit Q-learning (Kostrikov et al. 2022) as CORL's iql.py runs it: the IQL critic of
// algorithms/iql/iql_critic.h (expectile V, Q on r + gamma V(s'), Polyak target Q) and an actor
// trained by advantage-weighted regression, both updated on every step of one "train" stage:
//
//   A   = min(Qbar1, Qbar2)(s, a) - V(s)          (before this step's critic update, as in CORL)
//   w   = min(exp(beta A), clamp)                 beta 3, clamp 100; no gradient through w
//   L_pi = mean(w * l(a | s))                     l = -log pi(a|s) of a tanh-Gaussian actor (actor_type
//                                                 gaussian), or sum_i (pi(s)_i - a_i)^2 of a
//                                                 deterministic tanh actor (actor_type deterministic)
//   lr_pi(t) = actor_lr (1 + cos(pi t / steps)) / 2   (CosineAnnealingLR over the whole run)
//
// Evaluation uses the deterministic action: tanh(mean) of the Gaussian actor, or the actor itself.
// CORL's Gaussian actor has a state-independent log std and no tanh on the samples; ours is the
// tanh-Gaussian actor of algorithms/networks/tanh_gaussian_actor.h (state-dependent log std).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "algorithms/iql/iql_critic.h"
#include "algorithms/networks/tanh_gaussian_actor.h"
#include "algorithms/training/algorithm.h"
#include "algorithms/training/algorithm_registry.h"
#include "plugin/grl_plugin.h"
#include "baselines/baseline_support.h"
#include "datasets/batch_sampler.h"

namespace grl::baselines {

struct IqlConfig {
  std::int64_t steps = 1000000;        // gradient steps of critic and actor together
  std::int64_t batch_size = 256;
  iql::IqlCriticConfig critic;         // expectile 0.7, gamma 0.99, Polyak 0.005, Adam 3e-4
  std::string actor_type = "gaussian"; // gaussian: tanh-Gaussian log-likelihood; deterministic: squared error
  double actor_lr = 3e-4;              // Adam, start of the cosine schedule
  double beta = 3.0;                   // inverse temperature of the advantage weights
  double clamp = 100.0;                // largest weight (CORL's EXP_ADV_MAX)
  bool cosine_schedule = true;         // anneal the actor's learning rate to 0 over `steps`
  networks::TanhGaussianActorConfig actor;  // hidden widths (both types; ReLU); log-std clamps (gaussian)

  template <class V>
  void visit(V& v);
};

// --- The actor's weights, loss and schedule, on plain tensors and numbers.
// min(exp(beta * advantage), clamp) without gradient: [B].
torch::Tensor awr_weights(const torch::Tensor& advantage, double beta, double clamp);
// mean(weights * per_sample_loss); the weights carry no gradient.
torch::Tensor awr_loss(const torch::Tensor& weights, const torch::Tensor& per_sample_loss);
// base_lr (1 + cos(pi step / total_steps)) / 2: base_lr at step 0, 0 at total_steps (CosineAnnealingLR).
double cosine_learning_rate(double base_lr, std::int64_t step, std::int64_t total_steps);

class Iql : public training::Algorithm {
 public:
  // context.data may be null: built for acting only (a checkpoint is loaded into it).
  Iql(const IqlConfig& config, const training::AlgorithmContext& context);

  std::vector<training::Stage> stages() const override;
  training::Metrics train_step(const std::string& stage, std::int64_t step) override;
  void save(training::CheckpointWriter& out) const override;
  void load(const training::CheckpointReader& in) override;
  std::shared_ptr<training::Policy> policy() override;

  const IqlConfig& config() const { return config_; }
  iql::IqlCritic& critic() { return critic_; }
  double actor_learning_rate() const;

 private:
  IqlConfig config_;
  training::AlgorithmContext context_;
  iql::IqlCritic critic_{nullptr};
  networks::TanhGaussianActor gaussian_{nullptr};  // actor_type gaussian
  DeterministicActor deterministic_{nullptr};     // actor_type deterministic
  std::unique_ptr<torch::optim::Adam> actor_optimizer_;
  std::optional<datasets::BatchSampler> sampler_;
  std::int64_t actor_steps_ = 0;  // actor updates so far: the cosine schedule's position
};

void register_iql(plugin::PluginRegistrar& registrar);

}  // namespace grl::baselines
