// Actions a dataset may hold. Every env here takes actions in [-1, 1] per dimension (gym's action
// space is the actuators' ctrlrange, and D4RL, Minari and our own collectors record actions
// inside it). An action far outside (a corrupted row, 1e30) is not a recoverable oddity: the env
// would clip it, but an offline learner fits it as given, and a single such row turns the first
// behaviour-cloning loss into inf and every later step into NaN.
#pragma once

#include <torch/torch.h>

#include <string>

#include "envs/env_catalog.h"

namespace grl::datasets {

// Values up to this far beyond the limit pass: float rounding of clipped actions, a
// re-normalised copy.
constexpr double kActionRangeTolerance = 1e-3;

// Throws DatasetError "<label>: key '<key>': row R, column C is V, outside <env>'s action range
// [-1, 1] ..." at the first element with |value| > action_limit + kActionRangeTolerance.
void require_actions_in_range(const torch::Tensor& actions, const envs::EnvSpec& env, const std::string& label,
                              const std::string& key = "actions");

}  // namespace grl::datasets
