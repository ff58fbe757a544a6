// Scores a policy in its environment: E episodes run in lockstep on a VecEnv (auto_reset off), the
// policy called once per step on the batch of envs still running, so a generative policy pays for
// its sampler once per time step instead of once per episode and step.
//
//   Evaluator evaluator("hopper", EvaluationConfig{});          // 10 episodes
//   EvaluationResult r = evaluator.run(*algorithm.policy(), derive_seed(seed, SeedStream::evaluation));
//   r.score_mean, r.score_std, r.returns, r.lengths
//
// Episode i starts from an env seeded with derive_seed(seed, i), and LibTorch's generator (where a
// generative policy draws its noise) is seeded from `seed` for the evaluation and restored after
// it, so a result depends only on the policy and the seed. For a policy whose action for a row depends only on that row (deterministic
// policies), run() gives exactly the returns of run_one_at_a_time(); a stochastic policy that draws
// its noise for the whole batch gives equally distributed but different episodes.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

#include "algorithms/networks/inference_precision.h"
#include "algorithms/training/algorithm.h"
#include "envs/env_catalog.h"

namespace grl::evaluation {

struct EvaluationConfig {
  int episodes = 10;            // E (the paper reports 10 during training, 100 for final numbers)
  int threads = 1;              // threads stepping the envs (including the caller)
  int max_episode_steps = 1000; // time limit of each episode
  std::string device = "";      // where observations go before the policy sees them ("" = cpu)
  std::string precision = "fp32";  // fp32 | bf16: the arithmetic of prepared generative networks
                                   // (networks/inference_precision.h); bf16 needs AVX512-BF16

  template <class V>
  void visit(V& v);
};

struct EvaluationResult {
  std::vector<double> returns;            // per episode, in episode (seed) order
  std::vector<int> lengths;
  std::vector<double> normalized_scores;  // D4RL: 100 (return - ref_min) / (ref_max - ref_min)
  double return_mean = 0, return_std = 0; // population std over episodes
  double score_mean = 0, score_std = 0;
  double length_mean = 0;
  std::int64_t policy_calls = 0;          // act() calls (lockstep: the longest episode's length)
  std::int64_t env_steps = 0;
  double seconds = 0;

  // return_mean, return_std, score_mean, score_std, length_mean: what the trainer logs.
  training::Metrics metrics() const;
};

class Evaluator {
 public:
  // `env_id`: a catalog env ("hopper") or a dataset id of one. Throws listing the known envs.
  Evaluator(const std::string& env_id, EvaluationConfig config);

  // All episodes in lockstep.
  EvaluationResult run(training::Policy& policy, std::uint64_t seed) const;
  // The same episodes one after the other, one action per call (the reference run() must match).
  EvaluationResult run_one_at_a_time(training::Policy& policy, std::uint64_t seed) const;

  const envs::EnvSpec& spec() const { return spec_; }
  const EvaluationConfig& config() const { return config_; }

 private:
  torch::Device device() const;
  void summarize(EvaluationResult& result) const;

  std::string env_id_;
  envs::EnvSpec spec_;
  EvaluationConfig config_;
  networks::InferencePrecision precision_;  // config_.precision, parsed once
};

}  // namespace grl::evaluation
