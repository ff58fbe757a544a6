// What the trainer needs from an algorithm: named stages of steps, a step function, and its state.
// Built-in algorithms and plugins implement the same interface.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "algorithms/training/checkpoint.h"

namespace grl::training {

using Metrics = std::vector<std::pair<std::string, double>>;

struct Stage {
  std::string name;        // "critic", "behaviour", "policy"
  std::int64_t steps;      // gradient steps in this stage
  bool evaluate = false;   // whether the policy is worth evaluating during and after this stage
};

// Acts on a batch of observations [B, obs_dim] -> actions [B, act_dim], without gradients.
class Policy {
 public:
  virtual ~Policy() = default;
  virtual torch::Tensor act(const torch::Tensor& observations) = 0;
};

class Algorithm {
 public:
  virtual ~Algorithm() = default;

  virtual std::vector<Stage> stages() const = 0;
  // One gradient step of `stage`; `step` counts from 0 within the stage. Returns what to log.
  virtual Metrics train_step(const std::string& stage, std::int64_t step) = 0;
  // Everything that changes during training (modules, optimisers, samplers' positions); the
  // trainer adds its counters, the global RNG states and the config.
  virtual void save(CheckpointWriter& out) const = 0;
  virtual void load(const CheckpointReader& in) = 0;
  virtual std::shared_ptr<Policy> policy() = 0;
};

}  // namespace grl::training
