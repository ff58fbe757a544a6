// What the viewer shows, without the drawing: the env, the checkpoint's policy, the dataset for
// playback and comparison, and the episode statistics. The window and the headless recorder both
// drive one of these, so a recording shows exactly what the window would.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "envs/env.h"
#include "viewer/checkpoint_policy.h"
#include "viewer/dataset_playback.h"
#include "viewer/episode_monitor.h"
#include "viewer/viewer_options.h"

namespace grl::viewer {

enum class MotionSource { policy, dataset, zero_action };

class ViewerSession {
 public:
  // Loads the checkpoint (when given), makes the env and loads the dataset. Throws
  // std::runtime_error / std::invalid_argument naming the file or value for: a checkpoint that does
  // not load, an --env that is not the checkpoint's, no env at all, a --dataset that does not load
  // or an --episode out of range. The checkpoint's own dataset is optional: when it cannot be found
  // the session runs without it and dataset_note() says why.
  explicit ViewerSession(const ViewerOptions& options);

  envs::Env& env() { return *env_; }
  const envs::EnvSpec& spec() const { return env_->spec(); }
  std::shared_ptr<CheckpointPolicy> policy() const { return policy_; }
  const DatasetPlayback* dataset() const { return dataset_.get(); }
  const std::string& dataset_note() const { return dataset_note_; }
  EpisodeMonitor& monitor() { return monitor_; }
  const std::vector<double>& observation() const { return observation_; }

  MotionSource source() const { return source_; }
  int playback_episode() const { return playback_episode_; }
  // The dataset row shown now (dataset source).
  std::int64_t playback_row() const { return playback_row_; }

  // A new policy (or zero-action) episode from seed `seed`; ends the one in view.
  void reset(std::uint64_t seed);
  void set_source(MotionSource source);
  // Steps the env with `action` and records it. Returns true when the episode ended (terminal,
  // timeout, or max_steps > 0 reached); the next reset starts another.
  bool step(const std::vector<float>& action, int max_steps = 0);
  // Replays dataset episode `index` from its first row (throws std::out_of_range naming the count).
  void start_playback(int index);
  // Shows the next row of the dataset episode. Returns true when the episode ended.
  bool playback_step();
  // Whether the episode in view has ended (and waits for a reset).
  bool episode_over() const { return episode_over_; }

 private:
  void show_row(std::int64_t row);

  std::shared_ptr<CheckpointPolicy> policy_;
  std::unique_ptr<envs::Env> env_;
  std::unique_ptr<DatasetPlayback> dataset_;
  std::string dataset_note_;
  EpisodeMonitor monitor_;
  std::vector<double> observation_;
  MotionSource source_ = MotionSource::zero_action;
  int playback_episode_ = 0;
  std::int64_t playback_row_ = 0;
  bool episode_over_ = false;
};

// The env a session for `options` shows, resolved as the constructor does (for messages and tests).
std::string resolve_view_env(const ViewerOptions& options, const PolicyInfo* policy);

}  // namespace grl::viewer
