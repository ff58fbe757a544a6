// IDQL (Hansen-Estruch et al. 2023, "IDQL: Implicit Q-Learning as an Actor-Critic Method with
// Diffusion Policies"): the IQL critic and a diffusion behaviour model, trained independently, and
// a policy that is the behaviour model re-weighted at act time:
//
//   critic     IQL (algorithms/iql/iql_critic.h): expectile V (tau 0.7), Q on r + gamma V(s'), Polyak Qbar
//   behaviour  mu(a | s): DDPM on the VP schedule (beta 0.1 .. 10), T = 5 steps, noise prediction,
//              L = E_{i ~ U{1..5}} |eps_hat(t_i, s(t_i) a + sigma(t_i) eps, s) - eps|^2 / 2, EMA copy
//   act        a_1..a_N ~ mu(. | s) (N = 64, the EMA copy, ancestral DDPM with x0 clipped to [-1, 1]),
//              keep argmax_n min(Qbar1, Qbar2)(s, a_n) (selection argmax), or one drawn with
//              probabilities softmax(Qbar(s, a_n) / temperature) (selection softmax); per state.
//
// The two stages are independent (the critic never sees the behaviour model), so running them one
// after the other is the same algorithm as IDQL's interleaved updates.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "algorithms/iql/iql_critic.h"
#include "algorithms/training/algorithm.h"
#include "algorithms/training/algorithm_registry.h"
#include "plugin/grl_plugin.h"
#include "baselines/generative_support.h"
#include "datasets/batch_sampler.h"

namespace grl::baselines {

struct IdqlConfig {
  CriticStageConfig critic;          // stage 1: IQL
  BehaviourModelConfig behaviour;    // stage 2: DDPM behaviour model (defaults below)
  CandidateSelectionConfig candidates;  // act: N = 64, argmax (top-level keys samples, selection, ...)

  IdqlConfig();
  template <class V>
  void visit(V& v);
};

class Idql : public training::Algorithm {
 public:
  // context.data may be null: built for acting only (a checkpoint is loaded into it).
  Idql(const IdqlConfig& config, const training::AlgorithmContext& context);

  std::vector<training::Stage> stages() const override;
  training::Metrics train_step(const std::string& stage, std::int64_t step) override;
  void save(training::CheckpointWriter& out) const override;
  void load(const training::CheckpointReader& in) override;
  std::shared_ptr<training::Policy> policy() override;

  iql::IqlCritic& critic() { return critic_; }
  BehaviourModel& behaviour() { return *behaviour_; }

 private:
  IdqlConfig config_;
  training::AlgorithmContext context_;
  iql::IqlCritic critic_{nullptr};
  std::optional<BehaviourModel> behaviour_;
  std::optional<datasets::BatchSampler> critic_sampler_;
};

void register_idql(plugin::PluginRegistrar& registrar);

}  // namespace grl::baselines
