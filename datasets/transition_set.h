// Transitions (s, a, r, s', done) as contiguous tensors, one row per transition: what every offline
// algorithm trains on. Built by d4rl_transitions() or minari_transitions(); sampled by BatchSampler.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <string>

namespace grl::datasets {

struct TransitionSet {
  torch::Tensor observations;       // (N, obs_dim) float32
  torch::Tensor actions;            // (N, act_dim) float32
  torch::Tensor rewards;            // (N, 1) float32: a column, like a critic's output
  torch::Tensor next_observations;  // (N, obs_dim) float32
  torch::Tensor dones;              // (N, 1) float32, 1 where the env terminated (not at a time limit)
  std::map<std::string, torch::Tensor> extras;  // optional per-transition fields, first dim N

  std::int64_t size() const { return observations.defined() ? observations.size(0) : 0; }
  std::int64_t obs_dim() const { return observations.size(1); }
  std::int64_t act_dim() const { return actions.size(1); }
  torch::Device device() const { return observations.device(); }

  // A copy on `device` (shares storage when already there).
  TransitionSet to(const torch::Device& device) const;
  // The rows `indices` (int64, on this set's device) of every field, by index_select.
  TransitionSet select(const torch::Tensor& indices) const;
  // Throws DatasetError when fields disagree on the row count or have the wrong rank.
  void check() const;
};

// A sampled batch has the same fields as the set it came from.
using TransitionBatch = TransitionSet;

}  // namespace grl::datasets
