// From a YAML dataset config to training-ready transitions.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "common/config.h"
#include "datasets/d4rl_transitions.h"
#include "datasets/dataset_error.h"
#include "datasets/offline_dataset.h"
#include "hdf5_test_files.h"
#include "support/temp_dir.h"

namespace grl::datasets {
namespace {

// A hopper-shaped file (obs 11, act 3) of 3000 rows: episodes of 1000 rows ending in a timeout,
// except a terminal at row 1499; reward of row i is (i % 7) / 7.
std::filesystem::path write_hopper(const std::filesystem::path& path) {
  grl::testing::Hdf5Writer w(path);
  const int n = 3000;
  std::vector<double> rewards;
  std::vector<int> terminals(n, 0), timeouts(n, 0);
  for (int i = 0; i < n; ++i) rewards.push_back((i % 7) / 7.0);
  terminals[1499] = 1;
  timeouts[999] = timeouts[2499] = 1;
  w.array("observations", grl::testing::ramp(n, 11), {n, 11}, H5::PredType::IEEE_F64LE);
  std::vector<double> actions;  // inside hopper's [-1, 1], as every real dataset's are
  for (int i = 0; i < 3 * n; ++i) actions.push_back(std::sin(0.1 * i));
  w.array("actions", actions, {n, 3}, H5::PredType::IEEE_F64LE);
  w.array("rewards", rewards, {n, 1}, H5::PredType::IEEE_F64LE);
  w.bools("terminals", terminals);
  w.bools("timeouts", timeouts);
  w.close();
  return path;
}

TEST(OfflineDataset, ConfigToScaledNormalisedTransitions) {
  grl::testing::TempDir dir;
  write_hopper(dir / "hopper_medium_replay-v2.hdf5");
  setenv("D4RL_DATASET_DIR", dir.path().c_str(), 1);
  const auto config = config::parse<DatasetConfig>(config::load_text(
      "name: hopper-medium-replay-v2\nreward_scaling: iql_locomotion\nnormalize_states: true\n", "<test>"));
  const auto data = load_offline_dataset(config);
  unsetenv("D4RL_DATASET_DIR");
  ASSERT_TRUE(data.env.has_value());
  EXPECT_EQ(data.env->id, "hopper");
  // 3000 rows - timeouts at 999 and 2499 - the last row.
  ASSERT_EQ(data.transitions.size(), 2997);

  // The same pipeline by hand.
  auto expected = d4rl_transitions(read_d4rl_file(dir / "hopper_medium_replay-v2.hdf5"));
  const auto scaling = fit_reward_scaling(RewardScalingKind::iql_locomotion, expected);
  EXPECT_EQ(data.reward_scaling.min_return, scaling.min_return);
  EXPECT_EQ(data.reward_scaling.max_return, scaling.max_return);
  apply_reward_scaling(scaling, expected);
  EXPECT_TRUE(torch::equal(data.transitions.rewards, expected.rewards));
  ASSERT_TRUE(data.state_normalization.enabled());
  EXPECT_TRUE(torch::allclose(data.transitions.observations.mean(0), torch::zeros({11}), 0, 1e-3));
  EXPECT_TRUE(torch::allclose(data.state_normalization.apply(expected.next_observations), data.transitions.next_observations));
}

TEST(OfflineDataset, ConfigRejectsUnknownScalingAndKeys) {
  EXPECT_THROW(config::parse<DatasetConfig>(config::load_text("name: x\nreward_scaling: iql\n", "<test>")), config::ConfigError);
  EXPECT_THROW(config::parse<DatasetConfig>(config::load_text("name: x\nnormalise_states: true\n", "<test>")), config::ConfigError);
}

TEST(OfflineDataset, ExplicitEnvIsChecked) {
  grl::testing::TempDir dir;
  const auto path = write_hopper(dir / "data.hdf5");
  DatasetConfig config;
  config.name = path.string();
  config.env = "walker2d";
  try {
    load_offline_dataset(config);
    FAIL();
  } catch (const DatasetError& e) {
    EXPECT_NE(std::string(e.what()).find("has 11 columns but walker2d observations have 17"), std::string::npos) << e.what();
  }
  config.env = "hopper";
  EXPECT_EQ(load_offline_dataset(config).transitions.size(), 2997);
}

}  // namespace
}  // namespace grl::datasets
