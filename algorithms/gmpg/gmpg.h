// GMPG: generative model policy gradient (Zhang et al. 2024; GenerativeRL's grl/algorithms/gmpg.py).
// Three stages:
//   critic     IQL (algorithms/iql/iql_critic.h) on the dataset;
//   behaviour  mu pretrained by flow/score matching on the dataset actions (the core's losses);
//   policy     pi_theta starts as a copy of mu; mu and the critic are frozen; per step, for a batch of
//              dataset states s and fresh noise z:
//                a = ODESolve_theta(z; s)                       (K-point gradient grid)
//                L = mean(-beta Q(s, a) + (log pi_theta(a|s) - log mu(a|s)) / (A ln 2))
//              with exact-divergence likelihoods and the gradient through the sampler by a discrete
//              adjoint (policy_gradient.h); or the REINFORCE estimator (estimator: reinforce).
// An epoch is one pass over the dataset: a stage of E epochs at batch size B on N transitions runs
// ceil(E N / B) steps, drawing batches from a fresh permutation each epoch.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "algorithms/generative_policy.h"
#include "algorithms/gmpg/policy_gradient.h"
#include "algorithms/iql/iql_critic.h"
#include "algorithms/training/algorithm.h"
#include "algorithms/training/algorithm_registry.h"
#include "datasets/batch_sampler.h"

namespace grl::gmpg {

struct GmpgCriticConfig {
  double epochs = 5000;    // passes over the dataset (ignored when steps > 0)
  std::int64_t steps = 0;  // gradient steps; > 0 overrides epochs
  std::int64_t batch_size = 4096;
  iql::IqlCriticConfig iql;

  template <class V>
  void visit(V& v);
};

struct GmpgBehaviourConfig {
  double epochs = 2000;
  std::int64_t steps = 0;
  std::int64_t batch_size = 4096;
  double lr = 1e-4;              // Adam
  GenerativePolicyConfig model;  // path, parameterisation, loss, network and the sampler used to act;
                                 // the policy pi_theta is built from the same config

  template <class V>
  void visit(V& v);
};

struct GmpgPolicyConfig {
  double epochs = 50;
  std::int64_t steps = 0;
  std::int64_t batch_size = 40960;
  double lr = 1e-4;                        // Adam on theta
  double beta = 1.0;                       // weight of -Q against the KL in bits per dimension
  std::string beta_rule = "as_given";      // as_given or env_return_span (algorithms/training/temperature_rule.h)
  std::string estimator = "pathwise";      // pathwise: through the sampler; reinforce: score function
  std::string gradient = "discrete_adjoint";  // discrete_adjoint or autograd (unrolled, memory-hungry)
  int grid_points = 1000;                  // K: sampler grid the gradient flows through
  std::string solver = "euler";            // of that grid: euler, heun, rk4
  int likelihood_grid_points = 1000;       // grid of the likelihood solves (log mu; log pi with likelihood_ode)
  std::string likelihood_solver = "euler";
  // likelihood_ode: log pi and log mu by the same likelihood ODE on one grid, as the original does (the
  // KL estimate is 0 at pi = mu); sampler_steps: the exact density of the discrete sampler, whose KL
  // against the ODE's log mu is off by O(h) at pi = mu but which the policy cannot exploit.
  std::string log_pi = "likelihood_ode";
  std::string likelihood_divergence = "exact";  // exact or exact_batched (same numbers, one model call)
  int adjoint_stride = 1;                  // keep every stride-th state; recompute the others
  std::int64_t micro_batch = 0;            // rows per gradient chunk (0: whole batch)
  double weight_clamp = 100.0;             // reinforce: C in min(exp(beta A), C) / C
  double grad_clip = 0.0;                  // max gradient norm (0: no clipping)

  template <class V>
  void visit(V& v);
};

struct GmpgConfig {
  GmpgCriticConfig critic;
  GmpgBehaviourConfig behaviour;
  GmpgPolicyConfig policy;

  template <class V>
  void visit(V& v);
};

// The policy-stage options of the loss (policy_gradient.h) from the config.
PolicyGradientOptions policy_gradient_options(const GmpgPolicyConfig& config);

// Throws std::runtime_error, before the optimiser steps, when a policy step's loss or gradient norm is
// not finite, or when either likelihood estimate lies beyond +-kMaxLikelihoodBits bits per action
// dimension. Actions in or near [-1, 1]^A cannot have such densities: an estimate that far out means
// the policy has found where the fixed-grid likelihood (h times the trace of the velocity's Jacobian
// per step, not the log-determinant of the step) stops being a density, and the KL term rewards it
// for going further. Seen with the CPU preset on hopper-medium-native-v0: log pi went from 0.6 to
// -6e16 bits within 50 steps while the loss stayed finite, and the run scored the wrecked policy.
constexpr double kMaxLikelihoodBits = 1000.0;
void check_policy_step(std::int64_t step, const PolicyGradientStats& stats, double grad_norm);

class Gmpg : public training::Algorithm {
 public:
  // context.data may be null: the algorithm is then built for acting only (a checkpoint's weights are
  // loaded into it) and train_step throws. Dimensions come from context.env.
  Gmpg(const GmpgConfig& config, const training::AlgorithmContext& context);

  std::vector<training::Stage> stages() const override;
  training::Metrics train_step(const std::string& stage, std::int64_t step) override;
  void save(training::CheckpointWriter& out) const override;
  void load(const training::CheckpointReader& in) override;
  // Acts with pi_theta once the policy stage has started, with mu before.
  std::shared_ptr<training::Policy> policy() override;

  const GmpgConfig& config() const { return config_; }
  iql::IqlCritic& critic() { return critic_; }
  GenerativePolicy& behaviour() { return behaviour_; }
  GenerativePolicy& guided_policy() { return policy_; }
  bool policy_started() const { return policy_started_; }

 private:
  training::Metrics critic_step();
  training::Metrics behaviour_step();
  training::Metrics policy_step(std::int64_t step);
  const datasets::TransitionSet& data() const;

  GmpgConfig config_;
  training::AlgorithmContext context_;
  PolicyGradientOptions gradient_options_;
  iql::IqlCritic critic_{nullptr};
  GenerativePolicy behaviour_{nullptr};  // mu
  GenerativePolicy policy_{nullptr};     // pi_theta
  std::unique_ptr<torch::optim::Adam> behaviour_optimizer_;
  std::unique_ptr<torch::optim::Adam> policy_optimizer_;
  std::optional<datasets::BatchSampler> critic_sampler_;
  std::optional<datasets::BatchSampler> behaviour_sampler_;
  std::optional<datasets::BatchSampler> policy_sampler_;
  std::int64_t critic_steps_ = 1;
  double data_return_mean_ = 0;  // mean discounted return of the data's rows, logged beside q_mean
  std::int64_t behaviour_steps_ = 1;
  std::int64_t policy_steps_ = 1;
  bool policy_started_ = false;  // pi_theta has been initialised from mu
};

// registry.add("gmpg", ...): called from algorithms/training/builtin_algorithms.cpp.
void register_gmpg(Registry<training::AlgorithmFactory>& registry);

}  // namespace grl::gmpg
