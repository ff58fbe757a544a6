// SfBC (Chen et al. 2023, "Offline Reinforcement Learning via High-Fidelity Generative Behavior
// Modeling", selecting from behaviour candidates): a score-based behaviour model of the VP-SDE and a
// Q critic; acting draws N candidates per state from the behaviour model and acts with the mean of
// the few it keeps by Q:
//
//   behaviour  mu(a | s): VP-SDE (beta 0.1 .. 20), noise prediction, t ~ U(1e-5, 1) score matching,
//              sampled with DPM-Solver (noise form, 3rd order singlestep, 5 steps = 15 evaluations)
//   critic     IQL (algorithms/iql/iql_critic.h) on the data alone
//   act        a_1..a_N ~ mu(. | s), N = 32; the mean of the k = 4 with the largest min(Qbar1, Qbar2)(s, a_n)
//              (SfBC draws its 4 by softmax(100 Q) on z-scored returns: nearly always the 4 best), or
//              with selection softmax, k drawn with probabilities softmax_n(Qbar(s, a_n) / T)
//
// Where it differs from the original: SfBC learns Q by "implicit in-sample planning" (value iteration
// whose max over actions is a softmax over behaviour samples, starting from Monte-Carlo returns);
// ours is the IQL critic (expectile regression, also an in-sample estimate of the best in-support
// value), which shares the critic with IDQL, GMPO and GMPG. Selection and behaviour model are SfBC's.
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

struct SfbcConfig {
  BehaviourModelConfig behaviour;     // stage 1: score-based behaviour model (defaults below)
  CriticStageConfig critic;           // stage 2: IQL critic
  CandidateSelectionConfig candidates;  // act: N = 32, the mean of the best 4 (keys samples, selection, ...)

  SfbcConfig();
  template <class V>
  void visit(V& v);
};

class Sfbc : public training::Algorithm {
 public:
  // context.data may be null: built for acting only (a checkpoint is loaded into it).
  Sfbc(const SfbcConfig& config, const training::AlgorithmContext& context);

  std::vector<training::Stage> stages() const override;
  training::Metrics train_step(const std::string& stage, std::int64_t step) override;
  void save(training::CheckpointWriter& out) const override;
  void load(const training::CheckpointReader& in) override;
  std::shared_ptr<training::Policy> policy() override;

  iql::IqlCritic& critic() { return critic_; }
  BehaviourModel& behaviour() { return *behaviour_; }

 private:
  SfbcConfig config_;
  training::AlgorithmContext context_;
  std::optional<BehaviourModel> behaviour_;
  iql::IqlCritic critic_{nullptr};
  std::optional<datasets::BatchSampler> critic_sampler_;
};

void register_sfbc(plugin::PluginRegistrar& registrar);

}  // namespace grl::baselines
