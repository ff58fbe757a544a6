// Observation normalisation with dataset statistics, as TD3+BC and CORL's IQL use it (GenerativeRL
// does not): s <- (s - mean) / std with std = population std + 1e-3. The statistics travel with the
// model (save/load into the checkpoint archive) so that evaluation applies the same transform.
#pragma once

#include <torch/torch.h>

#include <string>

#include "datasets/transition_set.h"

namespace grl::datasets {

struct StateNormalization {
  torch::Tensor mean;  // (obs_dim,) float32; undefined = identity
  torch::Tensor std;   // (obs_dim,) float32, already including the epsilon

  bool enabled() const { return mean.defined(); }

  // Statistics of `observations` (N, obs_dim), computed in float64 and stored as float32.
  static StateNormalization fit(const torch::Tensor& observations, double epsilon = 1e-3);

  // (obs - mean) / std on obs's device; the identity when not enabled.
  torch::Tensor apply(const torch::Tensor& observations) const;
  // Normalises observations and next_observations of a set in place.
  void apply_to(TransitionSet& transitions) const;

  // Into / out of a checkpoint: tensors "<prefix>mean" and "<prefix>std" (absent when not enabled).
  void save(torch::serialize::OutputArchive& archive, const std::string& prefix = "state_normalization.") const;
  static StateNormalization load(torch::serialize::InputArchive& archive, const std::string& prefix = "state_normalization.");
};

}  // namespace grl::datasets
