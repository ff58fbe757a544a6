// Tiny offline problems and helpers shared by the baseline tests (inline, in a named namespace:
// the test sources are compiled in unity batches, where anonymous-namespace names would collide).
#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "algorithms/training/algorithm.h"
#include "algorithms/training/algorithm_registry.h"
#include "baselines/register_baselines.h"
#include "common/config.h"
#include "datasets/transition_set.h"
#include "envs/env_catalog.h"

namespace grl::baselines::test_problems {

// LibTorch on one intra-op thread while a test runs (restored after it): the tiny networks of these
// problems run fastest that way, and threads fighting over a loaded CI machine only slow them down.
class OneTorchThread {
 public:
  OneTorchThread() : previous_(torch::get_num_threads()) { torch::set_num_threads(1); }
  ~OneTorchThread() { torch::set_num_threads(previous_); }
  OneTorchThread(const OneTorchThread&) = delete;
  OneTorchThread& operator=(const OneTorchThread&) = delete;

 private:
  int previous_;
};

inline envs::EnvSpec toy_env(int obs_dim, int act_dim) {
  return envs::EnvSpec{"toy", "Toy", obs_dim, act_dim, 1, 1, 0.01, 1, 0.0, 1.0};
}

// One-step bandit with two behaviour modes: states uniform in [-1, 1], actions -0.6 (reward 0) and
// +0.6 (reward 1) in equal parts plus N(0, 0.05^2) noise; every transition ends its episode. The
// best in-distribution action is +0.6 in every state; behaviour cloning averages the modes.
inline datasets::TransitionSet two_mode_bandit(int64_t n, std::uint64_t seed) {
  torch::manual_seed(seed);
  datasets::TransitionSet set;
  set.observations = torch::rand({n, 1}) * 2 - 1;
  set.next_observations = set.observations.clone();
  const auto good = (torch::arange(n) % 2 == 0).to(torch::kFloat32).unsqueeze(1);
  set.actions = (good * 1.2f - 0.6f) + 0.05f * torch::randn({n, 1});
  set.rewards = good.clone();
  set.dones = torch::ones({n, 1});
  return set;
}

// One-step problem with a known best action: states s uniform in [-1, 1]^2, actions uniform in
// [-1, 1]^2 (behaviour says nothing about the best action), reward 1 - |a - a*(s)|^2 with
// a*(s) = (0.5, -0.5 s_0); every transition ends its episode.
inline torch::Tensor quadratic_best_action(const torch::Tensor& states) {
  return torch::stack({torch::full_like(states.select(1, 0), 0.5), -0.5 * states.select(1, 0)}, 1);
}
inline datasets::TransitionSet quadratic_bandit(int64_t n, std::uint64_t seed) {
  torch::manual_seed(seed);
  datasets::TransitionSet set;
  set.observations = torch::rand({n, 2}) * 2 - 1;
  set.next_observations = set.observations.clone();
  set.actions = torch::rand({n, 2}) * 2 - 1;
  set.rewards = (1.0 - (set.actions - quadratic_best_action(set.observations)).square().sum(1, true));
  set.dones = torch::ones({n, 1});
  return set;
}

// Random transitions of given widths (for shape, resume and preset checks; nothing to learn).
inline datasets::TransitionSet random_transitions(int64_t n, int64_t obs_dim, int64_t act_dim, std::uint64_t seed) {
  torch::manual_seed(seed);
  datasets::TransitionSet set;
  set.observations = torch::randn({n, obs_dim});
  set.next_observations = torch::randn({n, obs_dim});
  set.actions = torch::rand({n, act_dim}) * 2 - 1;
  set.rewards = torch::randn({n, 1});
  set.dones = (torch::rand({n, 1}) < 0.1).to(torch::kFloat32);
  return set;
}

inline training::AlgorithmContext toy_context(const datasets::TransitionSet* data, int obs_dim, int act_dim,
                                              std::uint64_t seed = 7) {
  training::AlgorithmContext context;
  context.data = data;
  context.env = toy_env(obs_dim, act_dim);
  context.seed = seed;
  return context;
}

// An algorithm from the registry with its config section read from YAML text (as a run config's
// `<name>:` section is): the path every preset takes.
inline std::unique_ptr<training::AlgorithmConfig> config_from_yaml(const std::string& algorithm, const std::string& yaml) {
  ensure_baselines_registered();
  auto config = training::algorithm_registry().get(algorithm).make_config();
  const config::Source source = config::load_text(yaml, algorithm + ".yaml");
  config::Reader reader(source, source.root, algorithm + ".");
  config->visit(reader);
  reader.finish();
  return config;
}
inline std::unique_ptr<training::Algorithm> make_algorithm(const std::string& algorithm, const std::string& yaml,
                                                           const training::AlgorithmContext& context) {
  const auto config = config_from_yaml(algorithm, yaml);
  return training::algorithm_registry().get(algorithm).make(*config, context);
}

inline void train_all_stages(training::Algorithm& algorithm) {
  for (const auto& stage : algorithm.stages())
    for (int64_t step = 0; step < stage.steps; ++step) algorithm.train_step(stage.name, step);
}

// The value of metric `name`; fails the test when it is missing.
inline double metric(const training::Metrics& metrics, const std::string& name) {
  for (const auto& [key, value] : metrics)
    if (key == name) return value;
  ADD_FAILURE() << "no metric '" << name << "'";
  return 0;
}

}  // namespace grl::baselines::test_problems
