// Runs a policy in an env and records the episodes in the D4RL layout: how `grl collect` writes a
// dataset and how our native datasets are made (benchmark/native_datasets.h).
//
// Episode i starts from an env seeded with derive_seed(seed, i); episodes run `batch` at a time in
// lockstep (one policy call per step for the episodes still running) and are stored in index
// order, so a collection depends only on the source, the seed and the batch size.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "algorithms/networks/tanh_gaussian_actor.h"
#include "algorithms/training/algorithm.h"
#include "datasets/d4rl_file.h"

namespace grl::benchmark {

// Picks actions for a batch of observations.
class ActionSource {
 public:
  virtual ~ActionSource() = default;
  // observations [B, obs_dim] float32 on the CPU -> actions [B, act_dim] float32 on the CPU; writes the
  // behaviour log-probabilities [B] into *log_probs when the source knows them (else leaves it undefined).
  virtual torch::Tensor act(const torch::Tensor& observations, torch::Tensor* log_probs) = 0;
  virtual std::string description() const = 0;
};

// Uniform in [-1, 1] from a std::mt19937_64 seeded with derive_seed(seed, SeedStream::dataset).
std::unique_ptr<ActionSource> uniform_actions(int act_dim, std::uint64_t seed);
std::unique_ptr<ActionSource> zero_actions(int act_dim);
// A tanh-Gaussian actor sampling (deterministic = false, the way D4RL's data was recorded) from its
// own generator seeded with `seed`, or acting with tanh(mean); log-probabilities of the sampled actions.
std::unique_ptr<ActionSource> actor_actions(networks::TanhGaussianActor actor, bool deterministic, std::uint64_t seed,
                                            std::string description);
// Any trained policy (a checkpoint's), its observations moved to `device`.
std::unique_ptr<ActionSource> policy_actions(std::shared_ptr<training::Policy> policy, const std::string& device,
                                             std::string description);

struct CollectionOptions {
  std::string env;                  // catalog env id
  std::uint64_t seed = 0;
  std::int64_t episodes = 0;        // stop after this many episodes...
  std::int64_t transitions = 0;     // ...or once this many rows are recorded (the last episode is cut there)
  int batch = 32;                   // episodes in lockstep
  int threads = 1;                  // threads stepping them
  int max_episode_steps = 1000;
};

struct CollectedEpisodes {
  // observations, actions, rewards, terminals, timeouts, next_observations, infos/qpos, infos/qvel
  // and, when the source gives them, infos/action_log_probs. No metadata.
  datasets::D4rlFile file;
  std::vector<double> returns;  // of every complete episode in the file, in order
  std::vector<int> lengths;
  bool last_episode_cut = false;  // the file ends inside an episode (transitions mode)
  double seconds = 0;
};

// Throws std::invalid_argument unless exactly one of episodes and transitions is > 0.
CollectedEpisodes collect_episodes(ActionSource& source, const CollectionOptions& options);

}  // namespace grl::benchmark
