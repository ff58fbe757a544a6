// A checkpoint turned into something that acts, for the viewer: one observation in, one action out,
// plus K actions per state and a choice of solver for generative policies. The header keeps LibTorch
// out (the viewer's window code never sees a tensor); every method but info() runs LibTorch and is
// meant for one thread at a time (the PolicyWorker's).
//
// Loading is what `grl eval --checkpoint` does: the stored config rebuilds the algorithm without data,
// the checkpoint's weights and state statistics are loaded into it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace grl::viewer {

struct PolicyInfo {
  std::string checkpoint;     // the file
  std::string algorithm;      // "gmpo", "bc", ...
  std::string env_id;         // the env the run was trained for
  std::string dataset;        // the run's dataset (id or path), as stored
  int obs_dim = 0;
  int act_dim = 0;
  bool generative = false;    // acts by sampling a generative model (GMPO, GMPG): solver controls apply
  bool has_behaviour = false; // has a separate behaviour model to compare with (GMPG's mu)
  std::string solver;         // generative: the solver acting now ("euler", ...)
  int steps = 0;              // generative: solver steps (grid points - 1; DPM-Solver: its steps)
};

// The solvers a generative policy can act with (generative::parse_solver_kind's names).
const std::vector<std::string>& generative_solver_names();

class CheckpointPolicy {
 public:
  // Throws std::runtime_error naming the file when it is missing, not a checkpoint, or its stored
  // config does not build.
  explicit CheckpointPolicy(const std::string& checkpoint_file, const std::string& device = "cpu");
  ~CheckpointPolicy();
  CheckpointPolicy(const CheckpointPolicy&) = delete;
  CheckpointPolicy& operator=(const CheckpointPolicy&) = delete;

  const PolicyInfo& info() const;

  // Re-seeds the generator the generative policy draws its noise from.
  void seed(std::uint64_t seed);
  // One action for one observation (obs_dim values), clipped to [-1, 1] like the evaluator's.
  std::vector<float> act(const std::vector<double>& observation);
  // K actions for one observation, row-major [K, act_dim], clipped: from the acting policy, or
  // (behaviour = true, has_behaviour) from the behaviour model. Policies that are not generative
  // give their one deterministic action K times.
  std::vector<float> sample(const std::vector<double>& observation, int k, bool behaviour);
  // Generative policies: act and sample with `solver` and `steps` from now on (the trained weights
  // are copied into a policy built with the new sampler settings). Throws std::invalid_argument
  // when the combination is not valid for the model (DPM-Solver on a flow path, steps < 1, ...);
  // the previous settings then stay.
  void set_sampler(const std::string& solver, int steps);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace grl::viewer
