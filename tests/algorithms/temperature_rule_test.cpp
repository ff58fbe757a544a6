// algorithms/training/temperature_rule.h: the factor each rule multiplies a temperature by.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "algorithms/training/temperature_rule.h"

namespace grl::training {
namespace {

datasets::RewardScaling locomotion_scaling(double min_return, double max_return) {
  datasets::RewardScaling scaling;
  scaling.kind = datasets::RewardScalingKind::iql_locomotion;
  scaling.min_return = min_return;
  scaling.max_return = max_return;
  return scaling;
}

std::string error_of(const std::string& rule, const datasets::RewardScaling& scaling) {
  try {
    temperature_factor(rule, scaling, envs::env_spec("hopper"));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(TemperatureRule, AsGivenKeepsTheTemperature) {
  EXPECT_EQ(temperature_factor("as_given", locomotion_scaling(565.15, 683.49), envs::env_spec("hopper")), 1.0);
  EXPECT_EQ(temperature_factor("as_given", datasets::RewardScaling{}, envs::env_spec("walker2d")), 1.0);
}

// Hopper's D4RL reference returns are -20.272305 (random) and 3234.3 (expert): a span of 3254.572305.
TEST(TemperatureRule, EnvReturnSpanIsTheDataSpreadOverTheEnvSpan) {
  const auto& hopper = envs::env_spec("hopper");
  ASSERT_NEAR(hopper.ref_max_return - hopper.ref_min_return, 3254.572305, 1e-6);
  // hopper-medium-native-50k-v0's returns span 565.15..683.49: its rewards are scaled by 1000/118.34,
  // 27.5 times 1000/3254.57, so the same advantage ranking needs a 27.5 times smaller beta.
  EXPECT_NEAR(temperature_factor("env_return_span", locomotion_scaling(565.15, 683.49), hopper), 118.34 / 3254.572305,
              1e-12);
  // A file whose returns span exactly the env's reference range: the rules agree.
  EXPECT_NEAR(temperature_factor("env_return_span", locomotion_scaling(-20.272305, 3234.3), hopper), 1.0, 1e-12);
  // Unscaled rewards: beta applies to raw returns, so the factor is 1000 / span.
  EXPECT_NEAR(temperature_factor("env_return_span", datasets::RewardScaling{}, hopper), 1000.0 / 3254.572305, 1e-12);
}

TEST(TemperatureRule, UnknownRulesAndAntMazeScalingAreErrorsNamingThem) {
  EXPECT_NE(error_of("d4rl", {}).find("unknown temperature rule 'd4rl' (expected as_given or env_return_span)"),
            std::string::npos);
  datasets::RewardScaling antmaze;
  antmaze.kind = datasets::RewardScalingKind::antmaze;
  EXPECT_NE(error_of("env_return_span", antmaze).find("needs reward_scaling iql_locomotion or none, not antmaze"),
            std::string::npos);
  EXPECT_EQ(error_of("as_given", antmaze), "(accepted)");
}

}  // namespace
}  // namespace grl::training
