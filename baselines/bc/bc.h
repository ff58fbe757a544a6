// Behaviour cloning (CORL's algorithms/offline/any_percent_bc.py with frac 1): an actor fit
// to the dataset's actions by supervised learning. Two variants (config `loss`):
//   mse  a deterministic actor pi(s) = tanh(MLP(s)),  L = mean_{batch, dims} (pi(s) - a)^2   (CORL)
//   nll  a tanh-Gaussian actor,                       L = -mean log pi(a | s)
//        (dataset actions clamped to +-(1 - 1e-6) before atanh); acts with tanh(mean)
// One stage, "policy", of `steps` Adam steps on batches drawn uniformly with replacement.
// CORL normalises states (run config `normalize_states: true` in the presets).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "algorithms/networks/tanh_gaussian_actor.h"
#include "algorithms/training/algorithm.h"
#include "algorithms/training/algorithm_registry.h"
#include "plugin/grl_plugin.h"
#include "baselines/baseline_support.h"
#include "datasets/batch_sampler.h"

namespace grl::baselines {

struct BcConfig {
  std::string loss = "mse";         // mse: deterministic tanh MLP; nll: tanh-Gaussian log-likelihood
  std::int64_t steps = 1000000;     // gradient steps
  std::int64_t batch_size = 256;
  double lr = 3e-4;                 // Adam
  networks::TanhGaussianActorConfig actor;  // hidden widths (both losses; ReLU); log-std clamps (nll)

  template <class V>
  void visit(V& v);
};

// --- The losses, on plain tensors.
// mean over batch and action dims of (predicted - actions)^2; predicted and actions [B, A].
torch::Tensor bc_mse_loss(const torch::Tensor& predicted, const torch::Tensor& actions);
// -mean log pi(a|s) from per-sample log-likelihoods [B].
torch::Tensor bc_nll_loss(const torch::Tensor& log_prob);

class Bc : public training::Algorithm {
 public:
  // context.data may be null: built for acting only (a checkpoint is loaded into it).
  Bc(const BcConfig& config, const training::AlgorithmContext& context);

  std::vector<training::Stage> stages() const override;
  training::Metrics train_step(const std::string& stage, std::int64_t step) override;
  void save(training::CheckpointWriter& out) const override;
  void load(const training::CheckpointReader& in) override;
  std::shared_ptr<training::Policy> policy() override;

  const BcConfig& config() const { return config_; }

 private:
  BcConfig config_;
  training::AlgorithmContext context_;
  DeterministicActor deterministic_{nullptr};     // loss mse
  networks::TanhGaussianActor gaussian_{nullptr};  // loss nll
  std::unique_ptr<torch::optim::Adam> optimizer_;
  std::optional<datasets::BatchSampler> sampler_;
};

void register_bc(plugin::PluginRegistrar& registrar);

}  // namespace grl::baselines
