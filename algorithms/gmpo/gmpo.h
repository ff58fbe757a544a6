// GMPO: generative model policy optimisation by advantage-weighted regression (Zhang et al. 2024,
// "Revisiting Generative Policies"; GenerativeRL's grl/algorithms/gmpo.py). Two stages:
//   critic  IQL (algorithms/iql/iql_critic.h) on the dataset;
//   policy  a generative policy trained from scratch with
//             w = min(exp(beta (min(Q1, Q2)(s, a) - V(s))), C)      (no gradient through w)
//             L = mean(w * l(a | s))
//           where l is the per-sample generative loss of the policy's path and parameterisation
//           (VP-SDE noise/score, GVP velocity, ICFM/OT-CFM velocity, ...), a the dataset action.
// Softmax variant (weighting: softmax): each state gets K candidates, the dataset action and K - 1
// actions sampled from the current policy; w_k = softmax_k(beta Q(s, a_k)) and
// L = mean_s sum_k w_k l(a_k | s), i.e. self-normalised weights per state instead of a clamp.
//
// An epoch is one pass over the dataset: a stage of E epochs at batch size B on N transitions runs
// ceil(E N / B) steps (stage_steps), drawing batches from a fresh permutation each epoch.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "algorithms/generative_policy.h"
#include "algorithms/iql/iql_critic.h"
#include "algorithms/training/algorithm.h"
#include "algorithms/training/algorithm_registry.h"
#include "datasets/batch_sampler.h"

namespace grl::gmpo {

struct GmpoCriticConfig {
  double epochs = 5000;         // passes over the dataset (ignored when steps > 0)
  std::int64_t steps = 0;       // gradient steps; > 0 overrides epochs
  std::int64_t batch_size = 4096;
  iql::IqlCriticConfig iql;

  template <class V>
  void visit(V& v);
};

struct GmpoPolicyConfig {
  double epochs = 10000;        // passes over the dataset (ignored when steps > 0)
  std::int64_t steps = 0;       // gradient steps; > 0 overrides epochs
  std::int64_t batch_size = 4096;
  double lr = 1e-4;             // Adam
  double beta = 1.0;            // inverse temperature of the advantage weights
  // How beta carries over to this dataset's reward scale (algorithms/training/temperature_rule.h):
  // "as_given" (the paper's configs) or "env_return_span".
  std::string beta_rule = "as_given";
  double clamp = 100.0;         // C: largest weight
  std::string weighting = "advantage";  // advantage: min(exp(beta A), C); softmax: over K candidates
  int softmax_samples = 16;     // K (softmax weighting): the dataset action + K - 1 policy samples
  // Which Q heads the weights read: "online" (the trained heads, as the original GenerativeRL's gmpo.py
  // does: critic(action, state) is min(Q1, Q2) of its q, not q_target) or "target" (the Polyak copies,
  // as CORL's IQL actor does).
  std::string weight_q = "online";
  double grad_clip = 0.0;       // max gradient norm (0: no clipping)
  GenerativePolicyConfig model; // path, parameterisation, loss, network, and the sampler used to act

  template <class V>
  void visit(V& v);
};

struct GmpoConfig {
  GmpoCriticConfig critic;
  GmpoPolicyConfig policy;

  template <class V>
  void visit(V& v);
};

// --- The weights, as functions of plain tensors.

// min(exp(beta (q - v)), clamp) without gradient: [B].
torch::Tensor advantage_weights(const torch::Tensor& q, const torch::Tensor& v, double beta, double clamp);
// softmax over the last dimension of beta q (q: [B, K]) without gradient: [B, K], rows sum to 1.
torch::Tensor softmax_weights(const torch::Tensor& q, double beta);

// ceil(epochs * dataset_size / batch_size), at least 1; `steps` when it is > 0.
std::int64_t stage_steps(double epochs, std::int64_t steps, std::int64_t dataset_size, std::int64_t batch_size);

// Acts with a generative policy: fresh noise, the policy's solver, no gradients.
class GenerativeActor : public training::Policy {
 public:
  explicit GenerativeActor(GenerativePolicy policy) : policy_(std::move(policy)) {}
  torch::Tensor act(const torch::Tensor& observations) override;

 private:
  GenerativePolicy policy_;
};

class Gmpo : public training::Algorithm {
 public:
  // context.data may be null: the algorithm is then built for acting only (a checkpoint's weights
  // are loaded into it) and train_step throws. Dimensions come from context.env.
  Gmpo(const GmpoConfig& config, const training::AlgorithmContext& context);

  std::vector<training::Stage> stages() const override;
  training::Metrics train_step(const std::string& stage, std::int64_t step) override;
  void save(training::CheckpointWriter& out) const override;
  void load(const training::CheckpointReader& in) override;
  std::shared_ptr<training::Policy> policy() override;

  const GmpoConfig& config() const { return config_; }
  // min(Q1, Q2)(s, a) of the heads policy.weight_q names, without gradient: what the weights use.
  torch::Tensor weight_q(const torch::Tensor& states, const torch::Tensor& actions) const;
  iql::IqlCritic& critic() { return critic_; }
  GenerativePolicy& generative_policy() { return policy_; }

 private:
  training::Metrics critic_step();
  training::Metrics policy_step();
  const datasets::TransitionSet& data() const;

  GmpoConfig config_;
  training::AlgorithmContext context_;
  iql::IqlCritic critic_{nullptr};
  GenerativePolicy policy_{nullptr};
  std::unique_ptr<torch::optim::Adam> policy_optimizer_;
  std::optional<datasets::BatchSampler> critic_sampler_;
  std::optional<datasets::BatchSampler> policy_sampler_;
  std::int64_t critic_steps_ = 1;
  double beta_ = 0;              // policy.beta times its rule's factor for this dataset
  double data_return_mean_ = 0;  // mean discounted return of the data's rows, logged beside q_mean
  std::int64_t policy_steps_ = 1;
};

// registry.add("gmpo", ...): called from algorithms/training/builtin_algorithms.cpp.
void register_gmpo(Registry<training::AlgorithmFactory>& registry);

}  // namespace grl::gmpo
