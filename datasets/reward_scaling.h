// Reward transformations of the published baselines, reproduced exactly because the reward scale
// sets the Q scale and therefore what a given temperature (beta) means.
#pragma once

#include <string>

#include "datasets/transition_set.h"

namespace grl::datasets {

enum class RewardScalingKind {
  none,
  // IQL / CORL / GenerativeRL on gym-MuJoCo: r <- r / (max_return - min_return) * 1000.
  iql_locomotion,
  // IQL / CORL on AntMaze: r <- r - 1.
  antmaze,
};

// "none", "iql_locomotion", "antmaze" (throws listing them for anything else).
RewardScalingKind parse_reward_scaling(const std::string& name);
std::string to_string(RewardScalingKind kind);

struct RewardScaling {
  RewardScalingKind kind = RewardScalingKind::none;
  // iql_locomotion: the extreme returns of the processed-row episodes, and the step count used.
  double min_return = 0;
  double max_return = 0;
  int max_episode_steps = 1000;

  // The factor r is multiplied by (1 for none and antmaze).
  double scale() const;
};

// Fits the scaling to a transition set (before any other reward change). For iql_locomotion the
// returns are summed over the processed transitions in order, an episode being cut after a done or
// after max_episode_steps processed rows (CORL's return_reward_range): because timeout rows were
// dropped, these cuts drift away from the true episode boundaries, exactly as in the baselines.
// The rows after the last cut are not an episode. Throws DatasetError when there is no complete
// episode or all returns are equal.
RewardScaling fit_reward_scaling(RewardScalingKind kind, const TransitionSet& transitions, int max_episode_steps = 1000);

// Applies it in place. iql_locomotion computes in float32 as numpy does for `r /= range; r *= 1000`
// (two roundings, range rounded to float32), on the CPU even for CUDA sets, so results are
// bit-identical to the Python baselines and across devices.
void apply_reward_scaling(const RewardScaling& scaling, TransitionSet& transitions);

}  // namespace grl::datasets
