// QGPO (Lu et al. 2023, "Contrastive Energy Prediction for Exact Energy-Guided Diffusion Sampling in
// Offline Reinforcement Learning"). Samples pi(a | s) proportional to mu(a | s) exp(beta Q(s, a)) by
// guiding a diffusion behaviour model with a learned time-dependent energy. Three stages:
//
//   behaviour     mu(a | s): VP-SDE (beta 0.1 .. 20), noise prediction, score matching; sampled by
//                 DPM-Solver (the core's dpm_solver)
//   fake_actions  K = 16 behaviour samples for every dataset state s and next state s', stored:
//                 fake[n, k], fake_next[n, k] (clipped to [-1, 1]); one chunk of states per step
//   guidance      per step on a batch, both updated (as QGPO's loop does):
//                 in-support softmax Q-learning of a twin Q with Polyak targets:
//                   V(s') = sum_k softmax_k(alpha Qbar(s', a'_k)) Qbar(s', a'_k),  a'_k = fake_next
//                   y     = r + gamma (1 - done) V(s');  L_Q = MSE(Q1(s, a), y) + MSE(Q2(s, a), y)
//                 contrastive energy prediction (CEP) of f_phi(t, a_t, s):
//                   t ~ U(1e-3, 1) per state, a_{k,t} = s(t) a_k + sigma(t) z_k,  a_k = fake[n, k]
//                   L_f = -mean_B sum_k softmax_k(beta Qbar(s, a_k)) log softmax_k(f_phi(t, a_{k,t}, s))
//                 (at the optimum f_phi(t, x, s) = log E[exp(beta Q(s, a0)) | a_t = x] + const(s, t),
//                 the exact intermediate energy)
//   act           eps_guided = eps_mu(t, x, s) - w sigma(t) grad_x f_phi(t, x, s) (guidance.h),
//                 one sample per state by DPM-Solver, w = guidance_scale; evaluate other scales with
//                 `grl eval ... qgpo.guidance_scale=<w>`
// Here Qbar = min(Qbar1, Qbar2).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "algorithms/networks/critics.h"
#include "algorithms/networks/mlp.h"
#include "algorithms/networks/time_encoding.h"
#include "algorithms/training/algorithm.h"
#include "algorithms/training/algorithm_registry.h"
#include "plugin/grl_plugin.h"
#include "baselines/generative_support.h"
#include "datasets/batch_sampler.h"

namespace grl::baselines {

struct QgpoGuidanceConfig {
  std::int64_t steps = 1000000;
  std::int64_t batch_size = 256;
  double q_lr = 3e-4;
  double energy_lr = 3e-4;
  double discount = 0.99;
  double target_update_rate = 0.005;
  double alpha = 1.0;             // inverse temperature of the in-support softmax value (QGPO's q_alpha)
  double beta = 3.0;              // inverse temperature of the energy targets softmax(beta Q)
  std::int64_t q_steps = 0;       // Q-learning for the first q_steps steps, then Q frozen (0: every step)
  networks::MlpConfig critic;     // each Q head, [256, 256, 256] ReLU
  networks::MlpConfig energy;     // f_phi([a_t, phi(t), s]) -> 1, [256, 256, 256, 256] SiLU
  int time_frequencies = 16;      // the energy's Gaussian-Fourier time features

  QgpoGuidanceConfig();
  template <class V>
  void visit(V& v);
};

struct QgpoConfig {
  BehaviourModelConfig behaviour;     // stage 1 (defaults in the constructor)
  std::int64_t fake_samples = 16;     // K behaviour samples per state
  std::int64_t fake_chunk = 1024;     // states sampled per step of the fake_actions stage
  QgpoGuidanceConfig guidance;        // stage 3
  double guidance_scale = 1.0;        // w at act time

  QgpoConfig();
  template <class V>
  void visit(V& v);
};

// -mean_B sum_k softmax_k(beta q) log softmax_k(f): q, f [B, K]; no gradient through q.
torch::Tensor contrastive_energy_loss(const torch::Tensor& q, const torch::Tensor& energy, double beta);
// sum_k softmax_k(alpha q) q: [B, K] -> [B] (the in-support soft maximum over the K candidates).
torch::Tensor in_support_value(const torch::Tensor& q, double alpha);

// f_phi(t, x, s) = MLP([x, phi(t), s]) -> [B].
class TimeEnergyImpl : public torch::nn::Module {
 public:
  TimeEnergyImpl(int64_t state_dim, int64_t action_dim, const networks::MlpConfig& mlp, int time_frequencies);
  torch::Tensor forward(const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor& states);

  networks::GaussianFourierTimeEncoding time_encoding{nullptr};
  networks::Mlp mlp{nullptr};
};
TORCH_MODULE(TimeEnergy);

class Qgpo : public training::Algorithm {
 public:
  // context.data may be null: built for acting only (a checkpoint is loaded into it).
  Qgpo(const QgpoConfig& config, const training::AlgorithmContext& context);

  std::vector<training::Stage> stages() const override;
  training::Metrics train_step(const std::string& stage, std::int64_t step) override;
  void save(training::CheckpointWriter& out) const override;
  void load(const training::CheckpointReader& in) override;
  std::shared_ptr<training::Policy> policy() override;
  // The guided sampler at another scale w (0: the behaviour model itself).
  std::shared_ptr<training::Policy> policy_with_scale(double scale);

  BehaviourModel& behaviour() { return *behaviour_; }
  networks::DoubleQNetwork critic() { return critic_; }
  TimeEnergy energy() { return energy_; }
  const torch::Tensor& fake_actions() const { return fake_; }

 private:
  training::Metrics fake_action_step(std::int64_t step);
  training::Metrics guidance_step(std::int64_t step);

  QgpoConfig config_;
  training::AlgorithmContext context_;
  std::optional<BehaviourModel> behaviour_;
  networks::DoubleQNetwork critic_{nullptr};
  networks::DoubleQNetwork critic_target_{nullptr};
  TimeEnergy energy_{nullptr};
  std::unique_ptr<torch::optim::Adam> q_optimizer_;
  std::unique_ptr<torch::optim::Adam> energy_optimizer_;
  std::optional<datasets::BatchSampler> sampler_;
  torch::Tensor fake_;       // [N, K, A] behaviour samples at s
  torch::Tensor fake_next_;  // [N, K, A] behaviour samples at s'
  std::int64_t fake_steps_ = 1;
};

void register_qgpo(plugin::PluginRegistrar& registrar);

}  // namespace grl::baselines
