#include "datasets/state_normalization.h"

#include "datasets/dataset_error.h"

namespace grl::datasets {

StateNormalization StateNormalization::fit(const torch::Tensor& observations, double epsilon) {
  if (!observations.defined() || observations.dim() != 2 || observations.size(0) == 0)
    throw DatasetError("state normalisation: expected a non-empty (N, obs_dim) tensor of observations");
  const auto x = observations.to(torch::kDouble);
  StateNormalization out;
  const auto mean = x.mean(0);
  const auto population_std = (x - mean).pow(2).mean(0).sqrt();  // numpy's std (ddof = 0)
  out.mean = mean.to(torch::kFloat).to(torch::kCPU);
  out.std = (population_std + epsilon).to(torch::kFloat).to(torch::kCPU);
  return out;
}

torch::Tensor StateNormalization::apply(const torch::Tensor& observations) const {
  if (!enabled()) return observations;
  return (observations - mean.to(observations.device())) / std.to(observations.device());
}

void StateNormalization::apply_to(TransitionSet& transitions) const {
  if (!enabled()) return;
  transitions.observations = apply(transitions.observations).contiguous();
  transitions.next_observations = apply(transitions.next_observations).contiguous();
}

void StateNormalization::save(torch::serialize::OutputArchive& archive, const std::string& prefix) const {
  if (!enabled()) return;
  archive.write(prefix + "mean", mean, /*is_buffer=*/true);
  archive.write(prefix + "std", std, /*is_buffer=*/true);
}

StateNormalization StateNormalization::load(torch::serialize::InputArchive& archive, const std::string& prefix) {
  StateNormalization out;
  torch::Tensor mean, std;
  if (!archive.try_read(prefix + "mean", mean, /*is_buffer=*/true)) return out;
  if (!archive.try_read(prefix + "std", std, /*is_buffer=*/true))
    throw DatasetError("state normalisation: the checkpoint has '" + prefix + "mean' but no '" + prefix + "std'");
  out.mean = mean;
  out.std = std;
  return out;
}

}  // namespace grl::datasets
