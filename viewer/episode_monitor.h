// What the plots show about the episode in view: per-step rewards, the running return, each action
// dimension over time, and the returns and D4RL-normalised scores of the episodes finished so far.
// Plain data, no drawing, so the numbers can be tested and printed by the headless recorder.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "envs/env_catalog.h"

namespace grl::viewer {

struct FinishedEpisode {
  double episode_return = 0;
  int length = 0;
  double score = 0;  // 100 (return - ref_min) / (ref_max - ref_min)
  bool terminal = false;
  std::string source;  // "policy", "dataset episode 3", ...
};

class EpisodeMonitor {
 public:
  // `history`: how many recent steps the per-step plots keep.
  explicit EpisodeMonitor(const envs::EnvSpec& env, std::size_t history = 400);

  void begin_episode(const std::string& source);
  void record_step(const std::vector<float>& action, double reward);
  // Ends the episode in view and adds it to the finished ones (episodes of length 0 are dropped).
  void end_episode(bool terminal);

  int steps() const { return steps_; }
  double episode_return() const { return episode_return_; }
  const std::vector<float>& rewards() const { return rewards_; }
  const std::vector<float>& returns() const { return returns_; }
  // Recent values of action dimension `dim`.
  const std::vector<float>& action_history(int dim) const { return actions_.at(static_cast<std::size_t>(dim)); }
  int act_dim() const { return static_cast<int>(actions_.size()); }
  const std::vector<FinishedEpisode>& finished() const { return finished_; }
  // Mean score of the finished episodes (0 when there are none).
  double mean_score() const;

 private:
  void push(std::vector<float>& series, float value) const;

  envs::EnvSpec env_;
  std::size_t history_;
  std::string source_;
  int steps_ = 0;
  double episode_return_ = 0;
  std::vector<float> rewards_, returns_;
  std::vector<std::vector<float>> actions_;
  std::vector<FinishedEpisode> finished_;
};

}  // namespace grl::viewer
