// How a preset's temperature carries over to a dataset whose reward scale differs from the one it was
// tuned on. GMPO's beta multiplies the advantage Q - V and GMPG's beta multiplies Q, and both scale
// with the rewards. The paper's configs tune beta on D4RL files with IQL's locomotion scaling
// r * 1000 / (max_return - min_return), where max/min are the dataset's extreme episode returns, so the
// same beta means a different thing on a dataset whose returns are narrower or wider:
// hopper-medium-native-50k-v0's returns span 565..683, which makes its rewards 8.5 times
// 1000 / 3254 (hopper's random-to-expert span), and the same beta acts like a 25x larger one.
//
//   as_given         beta as written (the default; the paper's configs on D4RL files)
//   env_return_span  beta * 1000 / (scale * (REF_MAX - REF_MIN)), scale the factor the run's reward
//                    scaling multiplies rewards by; with iql_locomotion this is
//                    beta * (max_return - min_return) / (REF_MAX - REF_MIN): the temperature then
//                    applies to advantages measured in units of the env's random-to-expert return
//                    span (the D4RL score's span, 1000 units), whatever the data's own spread.
//
// Where the dataset's returns span the env's random-to-expert range (medium-expert, medium-replay
// files), the factor is about 1 and the two rules agree.
#pragma once

#include <string>
#include <vector>

#include "datasets/reward_scaling.h"
#include "envs/env_catalog.h"

namespace grl::training {

const std::vector<std::string>& temperature_rules();

// The factor a configured temperature is multiplied by under `rule`. Throws std::invalid_argument
// naming the rule for an unknown rule, an antmaze reward scaling (its reference returns are success
// rates, not a reward span) or an env without reference returns.
double temperature_factor(const std::string& rule, const datasets::RewardScaling& scaling, const envs::EnvSpec& env);

}  // namespace grl::training
