// A dataset as episodes to replay in the viewer: each row's simulator state (infos/qpos, infos/qvel,
// as D4RL and our collector record them) is put into the env with set_state, so a dataset episode is
// shown exactly like a policy rollout. The same rows answer "which dataset actions were taken in
// states like this one?" for the action-distribution panel.
//
// The header keeps LibTorch out: the file is read once and kept as plain arrays. After construction
// the object is immutable, so the render thread and the policy worker may read it at once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "envs/env.h"

namespace grl::viewer {

struct DatasetEpisode {
  std::int64_t begin = 0;   // first row
  std::int64_t length = 0;  // rows
  double episode_return = 0;
  bool terminal = false;    // ended by a terminal (the robot fell), not the time limit or the file's end
};

class DatasetPlayback {
 public:
  // `dataset`: a D4RL id or a file (datasets::locate_dataset). Throws std::runtime_error naming the
  // file when it cannot be read, lacks infos/qpos or infos/qvel, or its widths are not `env`'s.
  DatasetPlayback(const std::string& dataset, const envs::EnvSpec& env);

  const std::string& file() const { return file_; }
  std::int64_t rows() const { return rows_; }
  int episode_count() const { return static_cast<int>(episodes_.size()); }
  // Throws std::out_of_range naming the index and the count.
  const DatasetEpisode& episode(int index) const;

  // Puts row `row`'s (qpos, qvel) into `env` (Env::set_state: ctrl zeroed, mj_forward run).
  void apply_state(envs::Env& env, std::int64_t row) const;
  std::vector<double> observation(std::int64_t row) const;
  std::vector<double> action(std::int64_t row) const;
  double reward(std::int64_t row) const { return rewards_.at(static_cast<std::size_t>(row)); }

  // The actions of the `k` rows whose observations are nearest to `observation` (Euclidean distance
  // after scaling each dimension by the dataset's standard deviation, so no dimension dominates by
  // its units), row-major [k', act_dim] with k' = min(k, rows()). Brute force: ~10 ms per million rows.
  std::vector<float> nearest_actions(const std::vector<double>& observation, int k) const;

 private:
  std::string file_;
  int obs_dim_ = 0, act_dim_ = 0, nq_ = 0, nv_ = 0;
  std::int64_t rows_ = 0;
  std::vector<float> observations_;  // [rows, obs_dim]
  std::vector<float> actions_;       // [rows, act_dim]
  std::vector<double> rewards_;
  std::vector<double> qpos_, qvel_;  // [rows, nq], [rows, nv]
  std::vector<float> inverse_std_;   // per observation dimension
  std::vector<DatasetEpisode> episodes_;
};

}  // namespace grl::viewer
