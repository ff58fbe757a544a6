// What the generative-policy baselines (IDQL, SfBC, Diffusion-QL, SRPO) share, all built on the
// generative core through GenerativePolicy: a behaviour model trained by its generative loss on the
// dataset's actions (with an optional EMA copy), and acting by drawing N candidate actions per state
// from a generative model and keeping one per state by its Q value.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "algorithms/generative_policy.h"
#include "algorithms/iql/iql_critic.h"
#include "algorithms/training/algorithm.h"
#include "algorithms/training/checkpoint.h"
#include "datasets/batch_sampler.h"

namespace grl::baselines {

// How one of N candidates per state is kept.
//   argmax:  the candidate with the largest Q.
//   softmax: one drawn with probabilities softmax(Q / temperature) over the state's N candidates.
enum class SelectionRule { argmax, softmax };
SelectionRule parse_selection_rule(const std::string& name);  // "argmax", "softmax"; throws otherwise

// candidates [B, N, A], q [B, N] -> [B, A]: row b is chosen among candidates[b] by q[b] alone.
// With count k > 1 the k kept candidates (argmax: the k largest Q; softmax: k drawn without
// replacement) are averaged, as SfBC acts on locomotion. softmax draws from `generator` (or the
// global one); temperature > 0; 1 <= k <= N.
torch::Tensor select_candidates(const torch::Tensor& candidates, const torch::Tensor& q, SelectionRule rule,
                                double temperature, int64_t count = 1,
                                c10::optional<at::Generator> generator = c10::nullopt);

// Q(s, a) for states [M, S] and actions [M, A] -> [M] (no gradient needed).
using QFunction = std::function<torch::Tensor(const torch::Tensor& states, const torch::Tensor& actions)>;

// How a policy that acts by choosing among N candidates per state chooses (IDQL, SfBC, Diffusion-QL).
// Its keys sit at the algorithm's top level (`samples`, `selection`, `temperature`, `select_count`):
// the algorithm's visit calls this visit with its own visitor. Each algorithm sets its original's
// defaults.
struct CandidateSelectionConfig {
  std::int64_t samples = 1;          // N candidates per state at act time
  std::string selection = "argmax";  // argmax or softmax over the N candidates' Q
  double temperature = 1.0;          // softmax selection: probabilities softmax(Q / temperature)
  std::int64_t select_count = 1;     // candidates kept per state; more than one are averaged

  template <class V>
  void visit(V& v);
  // Throws config::ConfigError naming `algorithm`.select_count unless it lies in [1, samples]. The
  // algorithms call it when they are built, so a bad pair fails before training, not at evaluation.
  void check(const std::string& algorithm) const;
};

// Acts by sampling N actions per state from `model` (its own solver), clipping them to [-1, 1],
// scoring them with `q` and keeping select_count per state by `rule` (their mean when more than one).
// Without gradients, on the model's device.
class CandidateSelectionPolicy : public training::Policy {
 public:
  CandidateSelectionPolicy(GenerativePolicy model, QFunction q, int64_t candidates, SelectionRule rule,
                           double temperature, int64_t select_count = 1);
  CandidateSelectionPolicy(GenerativePolicy model, QFunction q, const CandidateSelectionConfig& config);
  torch::Tensor act(const torch::Tensor& observations) override;

 private:
  GenerativePolicy model_;
  QFunction q_;
  int64_t candidates_;
  SelectionRule rule_;
  double temperature_;
  int64_t select_count_;
};

// Observations moved to the module's device and dtype (how every generative baseline acts).
torch::Tensor to_module_input(const torch::nn::Module& module, const torch::Tensor& observations);

// A behaviour model mu(a | s) trained by its generative loss on dataset actions.
struct BehaviourModelConfig {
  std::int64_t steps = 1000000;
  std::int64_t batch_size = 256;
  double lr = 3e-4;              // Adam
  double grad_clip = 0.0;        // max gradient norm (0: none)
  double ema_rate = 0.0;         // > 0: keep an EMA copy (rate per update) and act with it
  std::int64_t ema_every = 1;    // steps between EMA updates
  std::int64_t ema_start = 0;    // before this step the EMA copy just follows the model
  bool cosine_schedule = false;  // anneal lr to 0 over the steps (cosine), as IDQL's actor
  GenerativePolicyConfig model;  // path, parameterisation, loss, solver, network

  template <class V>
  void visit(V& v);
};

// The IQL critic trained on its own stage (IDQL, SfBC, SRPO): Kostrikov et al. 2022, as in
// algorithms/iql/iql_critic.h.
struct CriticStageConfig {
  std::int64_t steps = 1000000;
  std::int64_t batch_size = 256;
  iql::IqlCriticConfig iql;

  template <class V>
  void visit(V& v);
};

class BehaviourModel {
 public:
  // data may be null (built for acting only).
  BehaviourModel(const BehaviourModelConfig& config, int64_t state_dim, int64_t action_dim,
                 const datasets::TransitionSet* data, std::uint64_t sampler_seed, const torch::Device& device);

  // One Adam step on a fresh batch; returns behaviour_loss (and grad_norm when clipping).
  training::Metrics step();
  // The model to sample from: the EMA copy when there is one, else the trained model.
  GenerativePolicy acting_model() const { return ema_ ? ema_ : model_; }
  GenerativePolicy model() const { return model_; }

  void save(training::CheckpointWriter& out, const std::string& prefix) const;
  void load(const training::CheckpointReader& in, const std::string& prefix);

 private:
  BehaviourModelConfig config_;
  GenerativePolicy model_{nullptr};
  GenerativePolicy ema_{nullptr};
  std::unique_ptr<torch::optim::Adam> optimizer_;
  std::optional<datasets::BatchSampler> sampler_;
  std::int64_t steps_ = 0;
};

}  // namespace grl::baselines
