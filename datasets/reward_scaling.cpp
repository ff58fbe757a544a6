#include "datasets/reward_scaling.h"

#include <algorithm>

#include "datasets/dataset_error.h"

namespace grl::datasets {

RewardScalingKind parse_reward_scaling(const std::string& name) {
  if (name == "none") return RewardScalingKind::none;
  if (name == "iql_locomotion") return RewardScalingKind::iql_locomotion;
  if (name == "antmaze") return RewardScalingKind::antmaze;
  throw DatasetError("unknown reward scaling '" + name + "' (expected none, iql_locomotion or antmaze)");
}

std::string to_string(RewardScalingKind kind) {
  switch (kind) {
    case RewardScalingKind::none: return "none";
    case RewardScalingKind::iql_locomotion: return "iql_locomotion";
    case RewardScalingKind::antmaze: return "antmaze";
  }
  return "none";
}

double RewardScaling::scale() const {
  if (kind != RewardScalingKind::iql_locomotion) return 1.0;
  return max_episode_steps / (max_return - min_return);
}

RewardScaling fit_reward_scaling(RewardScalingKind kind, const TransitionSet& transitions, int max_episode_steps) {
  RewardScaling scaling;
  scaling.kind = kind;
  scaling.max_episode_steps = max_episode_steps;
  if (kind != RewardScalingKind::iql_locomotion) return scaling;
  const auto rewards = transitions.rewards.reshape({-1}).to(torch::kCPU, torch::kFloat).contiguous();
  const auto dones = transitions.dones.reshape({-1}).to(torch::kCPU, torch::kFloat).contiguous();
  const float* r = rewards.data_ptr<float>();
  const float* d = dones.data_ptr<float>();
  double episode_return = 0;
  int length = 0;
  bool any = false;
  double lo = 0, hi = 0;
  for (int64_t i = 0; i < rewards.numel(); ++i) {
    episode_return += static_cast<double>(r[i]);  // Python: ep_ret += float(r)
    ++length;
    if (d[i] != 0.0f || length == max_episode_steps) {
      lo = any ? std::min(lo, episode_return) : episode_return;
      hi = any ? std::max(hi, episode_return) : episode_return;
      any = true;
      episode_return = 0;
      length = 0;
    }
  }
  if (!any)
    throw DatasetError("reward scaling iql_locomotion: no complete episode (no done and fewer than " +
                       std::to_string(max_episode_steps) + " transitions)");
  if (hi == lo) throw DatasetError("reward scaling iql_locomotion: every episode has the same return " + std::to_string(hi));
  scaling.min_return = lo;
  scaling.max_return = hi;
  return scaling;
}

void apply_reward_scaling(const RewardScaling& scaling, TransitionSet& transitions) {
  if (scaling.kind == RewardScalingKind::none) return;
  auto rewards = transitions.rewards.to(torch::kCPU, torch::kFloat).contiguous().clone();
  float* r = rewards.data_ptr<float>();
  const int64_t n = rewards.numel();
  if (scaling.kind == RewardScalingKind::antmaze) {
    for (int64_t i = 0; i < n; ++i) r[i] = r[i] - 1.0f;
  } else {
    const float range = static_cast<float>(scaling.max_return - scaling.min_return);
    const float steps = static_cast<float>(scaling.max_episode_steps);
    for (int64_t i = 0; i < n; ++i) r[i] = (r[i] / range) * steps;
  }
  transitions.rewards = rewards.to(transitions.rewards.device(), transitions.rewards.scalar_type());
}

}  // namespace grl::datasets
