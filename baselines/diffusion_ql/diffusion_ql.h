// Diffusion-QL (Wang, Hunt & Zhou 2023, "Diffusion Policies as an Expressive Policy Class for Offline
// Reinforcement Learning") as its reference code (agents/ql_diffusion.py) runs it. The actor is a
// conditional DDPM, pi(a | s): 5 denoising steps on the VP schedule (beta 0.1 .. 10), noise
// prediction, x0 clipped to [-1, 1] in every step; the critic a twin Q with Polyak targets. Per step,
// on one batch:
//
//   critic  a'  = pi_ema(s')                                    (5 ancestral steps, no gradient)
//           y   = r + gamma (1 - done) min(Qbar1, Qbar2)(s', a')
//           L_Q = MSE(Q1(s, a), y) + MSE(Q2(s, a), y)            then clip |grad| <= grad_norm, Adam
//   actor   L_bc = E_{i ~ U{1..5}} |eps_hat(t_i, x_i, s) - eps|^2 / A       (the DDPM loss on dataset actions,
//                                                               a mean over the A action dims as the reference's)
//           a~   = pi(s)                                        (5 ancestral steps, gradients through all)
//           L_q  = -mean Q_j(s, a~) / mean |Q_k(s, a~)|          (j, k) = (1, 2) or (2, 1) with prob. 1/2,
//                                                               the denominator without gradient
//           L_pi = L_bc + eta L_q                               then clip |grad| <= grad_norm, Adam
//   then    Qbar <- (1 - 0.005) Qbar + 0.005 Q;  every 5 steps from step 1000 on
//           pi_ema <- (1 - 0.005) pi_ema + 0.005 pi (pi_ema stays at its initial copy before)
//   lr      optionally cosine-annealed to 0 over the run (lr_decay; the reference's schedule, with its
//           T_max of 2000 epochs stepped once per 50 epochs, stays within 0.1% of the start: off in presets)
//
// Acting (the reference's sample_action): N = 50 actions a_n ~ pi(. | s) from the trained actor, and
// one drawn with probabilities softmax_n(min(Qbar1, Qbar2)(s, a_n)) (selection softmax, temperature 1),
// batched over states. The generative core's score-matching loss sums the action dims with a factor
// 1/2; L_bc is that times 2 / A (bc_loss_mean), so eta and grad_norm mean what the reference's do.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "algorithms/generative_policy.h"
#include "algorithms/networks/critics.h"
#include "algorithms/training/algorithm.h"
#include "algorithms/training/algorithm_registry.h"
#include "plugin/grl_plugin.h"
#include "baselines/generative_support.h"
#include "datasets/batch_sampler.h"

namespace grl::baselines {

struct DiffusionQlConfig {
  std::int64_t steps = 2000000;       // reference: 2000 epochs of 1000 steps
  std::int64_t batch_size = 256;
  double eta = 1.0;                   // weight of the normalised Q term
  bool bc_loss_mean = true;           // L_bc a mean over action dims (the reference's); false: the core's half sum
  double actor_lr = 3e-4;
  double critic_lr = 3e-4;
  bool lr_decay = true;               // cosine-anneal both learning rates to 0 over the run
  double grad_norm = 9.0;             // max gradient norm of actor and critic (0: no clipping)
  double discount = 0.99;
  double target_update_rate = 0.005;  // Polyak rate of the target critic
  double ema_rate = 0.005;            // EMA actor (the target actions' sampler)
  std::int64_t ema_every = 5;
  std::int64_t ema_start = 1000;
  CandidateSelectionConfig candidates;  // act: N = 50, softmax (the reference's choice)
  GenerativePolicyConfig actor;       // DDPM, 5 steps, VP schedule (defaults in the constructor)
  networks::MlpConfig critic;         // each Q head: MLP([a, s] -> 256 -> 256 -> 256 -> 1, Mish)

  DiffusionQlConfig();
  template <class V>
  void visit(V& v);
};

// -mean(q_value) / mean|q_scale|, the denominator without gradient: Diffusion-QL's Q term, invariant to
// the scale of Q. q_value, q_scale: [B] (the two heads at the actor's actions, one each).
torch::Tensor normalised_q_loss(const torch::Tensor& q_value, const torch::Tensor& q_scale);

class DiffusionQl : public training::Algorithm {
 public:
  // context.data may be null: built for acting only (a checkpoint is loaded into it).
  DiffusionQl(const DiffusionQlConfig& config, const training::AlgorithmContext& context);

  std::vector<training::Stage> stages() const override;
  training::Metrics train_step(const std::string& stage, std::int64_t step) override;
  void save(training::CheckpointWriter& out) const override;
  void load(const training::CheckpointReader& in) override;
  std::shared_ptr<training::Policy> policy() override;

  GenerativePolicy actor() { return actor_; }
  networks::DoubleQNetwork critic() { return critic_; }

 private:
  DiffusionQlConfig config_;
  training::AlgorithmContext context_;
  GenerativePolicy actor_{nullptr};
  GenerativePolicy ema_actor_{nullptr};
  networks::DoubleQNetwork critic_{nullptr};
  networks::DoubleQNetwork critic_target_{nullptr};
  std::unique_ptr<torch::optim::Adam> actor_optimizer_;
  std::unique_ptr<torch::optim::Adam> critic_optimizer_;
  std::optional<datasets::BatchSampler> sampler_;
  std::int64_t steps_ = 0;
};

void register_diffusion_ql(plugin::PluginRegistrar& registrar);

}  // namespace grl::baselines
