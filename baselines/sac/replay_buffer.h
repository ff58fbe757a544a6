// SAC's replay buffer: preallocated tensors, one row per env step, sampled uniformly with
// replacement. Besides (s, a, r, s', terminal) it keeps what a D4RL file records (timeouts, the
// simulator state before the step, the behaviour log-probability), so that the buffer itself can be
// written as a "medium-replay" dataset, which is how D4RL made its replay datasets.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

#include "algorithms/training/checkpoint.h"
#include "datasets/d4rl_file.h"
#include "datasets/transition_set.h"

namespace grl::sac {

struct ReplayRow {
  const float* observation;       // obs_dim
  const float* action;            // act_dim
  double reward;
  const float* next_observation;  // obs_dim: the episode's next observation, also at a time limit
  bool terminal;                  // the env terminated: no bootstrapping
  bool timeout;                   // the episode was cut (time limit, or a checkpoint): bootstrap
  const double* qpos;             // nq: simulator state before the step
  const double* qvel;             // nv
  float log_prob;                 // log pi(a|s) of the behaviour that chose the action
  int env;                        // which env of a VecEnv produced the row
};

class ReplayBuffer {
 public:
  ReplayBuffer(std::int64_t capacity, std::int64_t obs_dim, std::int64_t act_dim, std::int64_t nq, std::int64_t nv);

  // Appends a row; once full, the oldest row is overwritten.
  void add(const ReplayRow& row);
  // Marks the most recent row of `env` as the end of its episode (timeout), e.g. when the episode is
  // cut at a checkpoint. Does nothing when the env has no row yet.
  void mark_episode_cut(int env);

  // `batch_size` rows drawn uniformly with replacement from LibTorch's default generator:
  // observations, actions, rewards [B, 1], next_observations, dones [B, 1] (terminal).
  datasets::TransitionBatch sample(std::int64_t batch_size) const;

  std::int64_t size() const { return size_; }
  std::int64_t capacity() const { return capacity_; }
  std::int64_t rows_added() const { return added_; }

  // The first `rows` rows ever added (the buffer must not have wrapped) in the D4RL layout:
  // observations, actions, rewards, terminals, timeouts, next_observations, infos/qpos, infos/qvel,
  // infos/action_log_probs. Rows are regrouped into whole episodes, each contiguous, in the order
  // the episodes ended (with one env this is the order they were added); an episode still running
  // at `rows` ends the file cut (timeout on its last row, as D4RL's replay files do).
  datasets::D4rlFile to_d4rl(std::int64_t rows) const;

  void save(training::CheckpointWriter& out, const std::string& prefix) const;
  void load(const training::CheckpointReader& in, const std::string& prefix);

 private:
  std::int64_t capacity_, obs_dim_, act_dim_, nq_, nv_;
  std::int64_t size_ = 0, next_ = 0, added_ = 0;
  torch::Tensor observations_, actions_, rewards_, next_observations_, terminals_, timeouts_, qpos_, qvel_,
      log_probs_, envs_;
  std::vector<std::int64_t> last_row_of_env_;
};

}  // namespace grl::sac
