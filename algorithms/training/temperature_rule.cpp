#include "algorithms/training/temperature_rule.h"

#include <stdexcept>

namespace grl::training {

const std::vector<std::string>& temperature_rules() {
  static const std::vector<std::string> rules = {"as_given", "env_return_span"};
  return rules;
}

double temperature_factor(const std::string& rule, const datasets::RewardScaling& scaling, const envs::EnvSpec& env) {
  if (rule == "as_given") return 1.0;
  if (rule != "env_return_span") {
    throw std::invalid_argument("unknown temperature rule '" + rule + "' (expected as_given or env_return_span)");
  }
  if (scaling.kind == datasets::RewardScalingKind::antmaze) {
    throw std::invalid_argument(
        "temperature rule env_return_span needs reward_scaling iql_locomotion or none, not antmaze (AntMaze's "
        "reference returns are success rates, not a reward span)");
  }
  const double span = env.ref_max_return - env.ref_min_return;
  if (!(span > 0)) {
    throw std::invalid_argument("temperature rule env_return_span: env '" + env.id + "' has no reference return span");
  }
  return 1000.0 / (scaling.scale() * span);
}

}  // namespace grl::training
