#include "viewer/episode_monitor.h"

namespace grl::viewer {

EpisodeMonitor::EpisodeMonitor(const envs::EnvSpec& env, std::size_t history)
    : env_(env), history_(history), actions_(static_cast<std::size_t>(env.act_dim)) {}

void EpisodeMonitor::begin_episode(const std::string& source) {
  source_ = source;
  steps_ = 0;
  episode_return_ = 0;
  rewards_.clear();
  returns_.clear();
  for (auto& series : actions_) series.clear();
}

void EpisodeMonitor::push(std::vector<float>& series, float value) const {
  // Erasing the front is O(history) per step, nothing next to a render or a policy call.
  if (series.size() >= history_) series.erase(series.begin());
  series.push_back(value);
}

void EpisodeMonitor::record_step(const std::vector<float>& action, double reward) {
  ++steps_;
  episode_return_ += reward;
  push(rewards_, static_cast<float>(reward));
  push(returns_, static_cast<float>(episode_return_));
  for (std::size_t d = 0; d < actions_.size() && d < action.size(); ++d) push(actions_[d], action[d]);
}

void EpisodeMonitor::end_episode(bool terminal) {
  if (steps_ > 0) {
    finished_.push_back({episode_return_, steps_, envs::normalized_score(env_, episode_return_), terminal, source_});
  }
  begin_episode(source_);
}

double EpisodeMonitor::mean_score() const {
  if (finished_.empty()) return 0;
  double sum = 0;
  for (const auto& e : finished_) sum += e.score;
  return sum / static_cast<double>(finished_.size());
}

}  // namespace grl::viewer
