// SRPO (Chen et al. 2024, "Score Regularized Policy Optimization through Diffusion Behavior"): a
// deterministic tanh actor pi_theta(s) trained against the IQL critic and regularised towards the
// data by the score of a pretrained diffusion behaviour model, never sampling from it. Three stages:
//
//   behaviour  mu(a | s): VP-SDE (beta 0.1 .. 20), noise prediction, score matching with
//              maximum-likelihood weighting (t drawn with density g^2 / sigma^2)
//   critic     IQL (algorithms/iql/iql_critic.h)
//   policy     a = pi_theta(s); t ~ U(0.02, 0.98); z ~ N(0, I); a_t = s(t) a + sigma(t) z
//              eps_hat = mu's noise prediction at (t, a_t, s)             (no gradient)
//              g       = grad_a Qbar(s, a), Qbar = (Qbar1 + Qbar2) / 2       (no gradient; optionally / rms(g))
//              L       = mean_B [ w(t) eps_hat . a - beta g . a ],  w(t) = sigma(t)^2
//              so that dL/dtheta = mean_B (sigma^2 eps_hat - beta grad_a Q) da/dtheta: the policy moves
//              up Q and down the behaviour's -log density (sigma eps_hat = -sigma^2 score).
//              Adam 3e-4, cosine-annealed over the stage.
// The actor acts deterministically (no sampling at act time).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "algorithms/iql/iql_critic.h"
#include "algorithms/networks/mlp.h"
#include "algorithms/training/algorithm.h"
#include "algorithms/training/algorithm_registry.h"
#include "plugin/grl_plugin.h"
#include "baselines/baseline_support.h"
#include "baselines/generative_support.h"
#include "datasets/batch_sampler.h"

namespace grl::baselines {

struct SrpoPolicyConfig {
  std::int64_t steps = 1000000;
  std::int64_t batch_size = 256;
  double lr = 3e-4;
  bool cosine_schedule = true;     // anneal the learning rate to 0 over the stage
  double beta = 0.05;              // weight of grad_a Q against the score regulariser
  double t_min = 0.02;             // t ~ U(t_min, t_max)
  double t_max = 0.98;
  std::string weighting = "sigma2";  // w(t): sigma2 (SRPO's "VDS"), one ("stable"), snr (s / sigma, "score")
  bool normalise_q_gradient = false;  // divide g by its root mean square over action dims (SRPO's regq)
  // Regularise with eps_hat - z instead of eps_hat (SRPO's WT "noise" variant). z is drawn independently of the
  // actor, so the gradient keeps its expectation, but at large t, where eps_hat is nearly z, most of its variance goes.
  bool subtract_noise = false;
  networks::MlpConfig actor;       // tanh(MLP(s)), hidden [256, 256], ReLU

  template <class V>
  void visit(V& v);
};

struct SrpoConfig {
  BehaviourModelConfig behaviour;  // stage 1 (defaults in the constructor)
  CriticStageConfig critic;        // stage 2
  SrpoPolicyConfig policy;         // stage 3

  SrpoConfig();
  template <class V>
  void visit(V& v);
};

// The score-regularised surrogate on plain tensors: mean_B [ w * (eps_hat . a) - beta (g . a) ] with
// actions [B, A] (differentiable), eps_hat and g [B, A] and w [B] taken without gradient. Its gradient
// in the actions is (w eps_hat - beta g) / B. With subtract_noise the caller passes eps_hat - z.
torch::Tensor srpo_surrogate_loss(const torch::Tensor& actions, const torch::Tensor& eps_hat,
                                  const torch::Tensor& weight, const torch::Tensor& q_gradient, double beta);

class Srpo : public training::Algorithm {
 public:
  // context.data may be null: built for acting only (a checkpoint is loaded into it).
  Srpo(const SrpoConfig& config, const training::AlgorithmContext& context);

  std::vector<training::Stage> stages() const override;
  training::Metrics train_step(const std::string& stage, std::int64_t step) override;
  void save(training::CheckpointWriter& out) const override;
  void load(const training::CheckpointReader& in) override;
  std::shared_ptr<training::Policy> policy() override;

  iql::IqlCritic& critic() { return critic_; }
  BehaviourModel& behaviour() { return *behaviour_; }
  DeterministicActor& actor() { return actor_; }

 private:
  training::Metrics policy_step();

  SrpoConfig config_;
  training::AlgorithmContext context_;
  std::optional<BehaviourModel> behaviour_;
  iql::IqlCritic critic_{nullptr};
  DeterministicActor actor_{nullptr};
  std::unique_ptr<torch::optim::Adam> actor_optimizer_;
  std::optional<datasets::BatchSampler> critic_sampler_;
  std::optional<datasets::BatchSampler> policy_sampler_;
  std::int64_t policy_steps_ = 0;
};

void register_srpo(plugin::PluginRegistrar& registrar);

}  // namespace grl::baselines
