// N envs of one id stepped in parallel on a ThreadPool, with [N, dim] float buffers.
//
// Env i is seeded with derive_seed(seed, i) (common/seeding.h), so the whole batch follows from
// one seed, and each env's numbers do not depend on N, on the thread count or on scheduling:
// a VecEnv gives bit-for-bit what stepping the same envs one by one gives.
//
// Two ways to run episodes:
//  - auto_reset = false (the evaluator's way): step all envs, or only the live ones with an
//    `active` mask, and reset an env yourself (reset_env) when you want a new episode.
//  - auto_reset = true (data collection): an env whose episode ended is reset inside step();
//    observations() then holds the first observation of the new episode, final_observations()
//    the last one of the old, and episode_returns()/episode_lengths() the finished episode.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "envs/env.h"
#include "envs/thread_pool.h"

namespace grl::envs {

struct VecEnvOptions {
  int num_envs = 1;
  int threads = 1;          // including the calling thread
  bool auto_reset = false;
  std::uint64_t seed = 0;   // env i: derive_seed(seed, i)
  EnvOptions env;

  template <class V>
  void visit(V& v) {
    v.field("num_envs", num_envs, "environments stepped together", config::at_least(1));
    v.field("threads", threads, "threads stepping them (including the caller)", config::at_least(1));
    v.field("auto_reset", auto_reset, "reset an env inside step() when its episode ends");
    v.field("seed", seed, "env i is seeded with derive_seed(seed, i)");
    v.section("env", env, "options of every env");
  }
};

class VecEnv {
 public:
  VecEnv(const std::string& id, const VecEnvOptions& options);
  ~VecEnv();

  int num_envs() const { return static_cast<int>(envs_.size()); }
  int obs_dim() const { return obs_dim_; }
  int act_dim() const { return act_dim_; }
  int threads() const { return pool_.threads(); }
  const EnvSpec& spec() const { return envs_.front()->spec(); }
  const VecEnvOptions& options() const { return options_; }

  // Re-seeds every env from `seed` (env i: derive_seed(seed, i)) and resets all of them.
  void reset(std::uint64_t seed);
  // Resets every env, continuing each env's RNG.
  void reset();
  // Resets env i, continuing its RNG; writes its observation row.
  void reset_env(int i);

  // actions: [N, act_dim] row-major. Every value must be finite (std::invalid_argument naming the
  // env and the index otherwise; nothing is stepped then); values are clipped to [-1, 1].
  void step(const float* actions);
  // Steps only envs with active[i] != 0. Inactive envs keep their state and observation row and
  // report reward 0, terminal 0, timeout 0; their action rows are not read.
  void step(const float* actions, const std::uint8_t* active);

  const float* observations() const { return observations_.data(); }        // [N, obs_dim]
  const float* final_observations() const { return final_observations_.data(); }  // [N, obs_dim]
  const double* rewards() const { return rewards_.data(); }                  // [N]
  const std::uint8_t* terminals() const { return terminals_.data(); }        // [N]
  const std::uint8_t* timeouts() const { return timeouts_.data(); }          // [N]
  const RewardTerms* reward_terms() const { return terms_.data(); }          // [N]
  // Return and length of each env's current episode (auto-reset: of the episode that just ended,
  // in the step where it ended).
  const double* episode_returns() const { return episode_returns_.data(); }
  const int* episode_lengths() const { return episode_lengths_.data(); }

  Env& env(int i) { return *envs_.at(i); }
  const Env& env(int i) const { return *envs_.at(i); }

 private:
  void check_actions(const float* actions, const std::uint8_t* active) const;
  void step_env(int i, const float* actions);
  void write_observation(int i, float* rows);

  VecEnvOptions options_;
  std::vector<std::unique_ptr<Env>> envs_;
  int obs_dim_ = 0;
  int act_dim_ = 0;
  ThreadPool pool_;

  std::vector<float> observations_, final_observations_;
  std::vector<double> rewards_;
  std::vector<std::uint8_t> terminals_, timeouts_;
  std::vector<RewardTerms> terms_;
  std::vector<double> episode_returns_;
  std::vector<int> episode_lengths_;
  std::vector<std::uint8_t> ended_;  // auto-reset: the episode ended in the last step
  // Per-env scratch in double precision (Env's native type), allocated once.
  std::vector<double> action_scratch_, obs_scratch_;
};

}  // namespace grl::envs
