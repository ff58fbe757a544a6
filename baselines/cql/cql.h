// Conservative Q-learning (Kumar et al. 2020), as CORL's cql.py runs it: SAC with automatic entropy
// tuning whose twin critic is also pushed down on actions the data does not hold. One "train"
// stage; every step, with a ~ data, a~ ~ pi(.|s) reparameterised:
//
//   actor   L_pi = mean(alpha log pi(a~|s) - min(Q1, Q2)(s, a~))
//                  (the first bc_steps steps: mean(alpha log pi(a~|s) - log pi(a|s)))
//   entropy L_alpha = -mean(log alpha (log pi(a~|s) + H)),  H = -act_dim, alpha = exp(log alpha)
//   target  y = r + gamma (1 - done) min(Qbar1, Qbar2)(s', a'),  a' ~ pi(.|s')   (no entropy term
//           unless backup_entropy; max_target_backup: the best of n samples a')
//   penalty for each head Q_i, n sampled actions per state (10):
//             random  a_r ~ U(-1, 1)^A,   current a_c ~ pi(.|s),   next a_n ~ pi(.|s')   (no gradient)
//           importance_sample:  X = [Q_i(s, a_r) - log 0.5^A, Q_i(s, a_n) - log pi(a_n|s'),
//                                    Q_i(s, a_c) - log pi(a_c|s)]                         [B, 3n]
//           otherwise:          X = [Q_i(s, a_r), Q_i(s, a), Q_i(s, a_n), Q_i(s, a_c)]     [B, 3n + 1]
//           gap_i = mean_B(T logsumexp(X / T) - Q_i(s, a)),  T = temperature (1)
//   critic  L_Q = sum_i MSE(Q_i(s, a), y) + cql_alpha gap_i                      (cql_alpha 5 or 10)
//           Lagrange version: cql_alpha alpha' (gap_i - target_action_gap), alpha' = exp(log alpha')
//           learned to maximise it (L_alpha' = -mean_i alpha' cql_alpha (gap_i - target_action_gap))
//   targets Qbar <- (1 - rho) Qbar + rho Q every target_update_every steps, rho 0.005
//
// All losses are computed before any parameter moves (CORL's order), then alpha, the actor and the
// critic step. Networks as CORL: tanh-Gaussian actor and Q heads with 3 hidden layers of 256; the Q
// heads start orthogonal (gain sqrt 2, output gain 0.01), the actor's output layers small (Xavier
// gain 0.01) with log std -1 (CORL's log_std_offset). Acts with tanh(mean).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "algorithms/networks/critics.h"
#include "algorithms/networks/tanh_gaussian_actor.h"
#include "algorithms/training/algorithm.h"
#include "algorithms/training/algorithm_registry.h"
#include "plugin/grl_plugin.h"
#include "baselines/baseline_support.h"
#include "datasets/batch_sampler.h"

namespace grl::baselines {

inline networks::TanhGaussianActorConfig cql_default_actor() {
  networks::TanhGaussianActorConfig c;
  c.hidden = {256, 256, 256};
  return c;
}
inline networks::MlpConfig cql_default_critic() {
  networks::MlpConfig c;
  c.hidden = {256, 256, 256};
  return c;
}

struct CqlConfig {
  std::int64_t steps = 1000000;         // gradient steps
  std::int64_t batch_size = 256;
  double discount = 0.99;               // gamma
  double policy_lr = 3e-5;              // Adam, actor
  double qf_lr = 3e-4;                  // Adam, twin critic
  double alpha_lr = 3e-5;               // Adam, log alpha (CORL uses the policy's rate)
  double target_update_rate = 0.005;    // Polyak rho
  int target_update_every = 1;          // steps between target updates
  bool autotune_alpha = true;           // learn alpha towards the target entropy
  double alpha_multiplier = 1.0;        // alpha = multiplier exp(log alpha); the fixed alpha when not tuned
  double target_entropy_scale = 1.0;    // H = -scale * act_dim
  bool backup_entropy = false;          // subtract alpha log pi(a'|s') in the target
  std::int64_t bc_steps = 0;            // first steps whose actor loss is BC (log-likelihood of a)
  int n_actions = 10;                   // sampled actions per state and kind (random, current, next)
  bool importance_sample = true;        // subtract the sampling log-densities inside the logsumexp
  double temperature = 1.0;             // T of the logsumexp
  double cql_alpha = 10.0;              // weight of the conservative penalty (min-Q weight)
  bool lagrange = false;                // learn alpha' so that the gap approaches target_action_gap
  double target_action_gap = -1.0;      // Lagrange threshold
  double alpha_prime_lr = 3e-4;         // Adam, log alpha' (CORL uses the critic's rate)
  bool max_target_backup = false;       // target from the best of n_actions samples at s'
  bool orthogonal_init = true;          // CORL's orthogonal initialisation of the Q heads
  networks::TanhGaussianActorConfig actor = cql_default_actor();  // 256-256-256
  networks::MlpConfig critic = cql_default_critic();              // each Q head on [a, s]: 256-256-256

  template <class V>
  void visit(V& v);
};

// One Q head at the sampled actions, each [B, n].
struct CqlSampledQ {
  torch::Tensor random;            // Q(s, a_r), a_r ~ U(-1, 1)^A
  torch::Tensor current;           // Q(s, a_c), a_c ~ pi(.|s)
  torch::Tensor current_log_prob;  // log pi(a_c|s)
  torch::Tensor next;              // Q(s, a_n), a_n ~ pi(.|s')
  torch::Tensor next_log_prob;     // log pi(a_n|s')
};

// --- The conservative penalty, on plain tensors.
// T logsumexp(X / T) per state, X as in the header comment: [B]. q_data: [B].
torch::Tensor cql_logsumexp(const torch::Tensor& q_data, const CqlSampledQ& sampled, std::int64_t action_dim,
                            double temperature, bool importance_sample);
// mean over the batch of cql_logsumexp - q_data: the penalty before its weight.
torch::Tensor cql_gap(const torch::Tensor& q_data, const CqlSampledQ& sampled, std::int64_t action_dim,
                      double temperature, bool importance_sample);

class Cql : public training::Algorithm {
 public:
  // context.data may be null: built for acting only (a checkpoint is loaded into it).
  Cql(const CqlConfig& config, const training::AlgorithmContext& context);

  std::vector<training::Stage> stages() const override;
  training::Metrics train_step(const std::string& stage, std::int64_t step) override;
  void save(training::CheckpointWriter& out) const override;
  void load(const training::CheckpointReader& in) override;
  std::shared_ptr<training::Policy> policy() override;

  const CqlConfig& config() const { return config_; }
  double alpha() const;        // the entropy temperature now
  double alpha_prime() const;  // the Lagrange multiplier now (clamped to [0, 1e6])
  double target_entropy() const { return target_entropy_; }

  networks::TanhGaussianActor actor{nullptr};
  networks::DoubleQNetwork q{nullptr}, q_target{nullptr};
  torch::Tensor log_alpha, log_alpha_prime;

 private:
  CqlConfig config_;
  training::AlgorithmContext context_;
  double target_entropy_;
  std::unique_ptr<torch::optim::Adam> actor_optimizer_, critic_optimizer_, alpha_optimizer_, alpha_prime_optimizer_;
  std::optional<datasets::BatchSampler> sampler_;
  std::int64_t steps_ = 0;
};

void register_cql(plugin::PluginRegistrar& registrar);

}  // namespace grl::baselines
