// Reward scaling against a hand computation, state normalisation, normalised scores.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "datasets/d4rl_transitions.h"
#include "datasets/dataset_error.h"
#include "datasets/normalized_scores.h"
#include "datasets/reward_scaling.h"
#include "datasets/state_normalization.h"
#include "hdf5_test_files.h"
#include "support/temp_dir.h"

namespace grl::datasets {
namespace {

using grl::testing::Hdf5Writer;
using grl::testing::ramp;

// 12 rows; timeouts at rows 3, 7, 11, a terminal at row 5; rewards 1, 2, 3, 100, 5, 6, 7, 100, 9,
// 10, 11, 100. Processed rows (timeouts and the last row dropped): 0 1 2 4 5 6 8 9 10.
TransitionSet scaling_example(const std::filesystem::path& path) {
  Hdf5Writer w(path);
  w.array("observations", ramp(12, 2), {12, 2});
  w.array("actions", ramp(12, 1), {12, 1});
  w.array("rewards", {1, 2, 3, 100, 5, 6, 7, 100, 9, 10, 11, 100}, {12});
  w.bools("terminals", {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0});
  w.bools("timeouts", {0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1});
  w.close();
  return d4rl_transitions(read_d4rl_file(path));
}

TEST(RewardScaling, IqlLocomotionCutsOnProcessedRows) {
  grl::testing::TempDir dir;
  auto t = scaling_example(dir / "r.hdf5");
  ASSERT_EQ(t.size(), 9);
  // With max_episode_steps = 4, CORL's return_reward_range cuts the processed rows into
  // {0,1,2,4} (4 rows: 1+2+3+5 = 11), {5} (done: 6), {6,8,9,10} (4 rows: 7+9+10+11 = 37).
  // The true episodes would give {0,1,2} = 6, {4,5} = 11, {6} = 7, {8,9,10} = 30: range 24, not 31.
  const auto scaling = fit_reward_scaling(RewardScalingKind::iql_locomotion, t, 4);
  EXPECT_EQ(scaling.min_return, 6.0);
  EXPECT_EQ(scaling.max_return, 37.0);
  EXPECT_DOUBLE_EQ(scaling.scale(), 4.0 / 31.0);
  const std::vector<float> raw = {1, 2, 3, 5, 6, 7, 9, 10, 11};
  apply_reward_scaling(scaling, t);
  for (size_t k = 0; k < raw.size(); ++k) {
    const float expected = (raw[k] / 31.0f) * 4.0f;  // numpy float32: r /= 31; r *= 4
    EXPECT_EQ(t.rewards[k][0].item<float>(), expected) << k;
  }
}

TEST(RewardScaling, IqlLocomotionDefaultCutIs1000ProcessedRows) {
  // 2500 transitions, no dones: episodes are rows 0-999 and 1000-1999; the last 500 are not counted.
  TransitionSet t;
  t.rewards = torch::ones({2500, 1});
  t.rewards.narrow(0, 1000, 1000).fill_(2.0f);
  t.rewards.narrow(0, 2000, 500).fill_(100.0f);
  t.dones = torch::zeros({2500, 1});
  const auto scaling = fit_reward_scaling(RewardScalingKind::iql_locomotion, t);
  EXPECT_EQ(scaling.min_return, 1000.0);
  EXPECT_EQ(scaling.max_return, 2000.0);
  EXPECT_DOUBLE_EQ(scaling.scale(), 1.0);
}

TEST(RewardScaling, AntmazeSubtractsOneAndNoneKeeps) {
  TransitionSet t;
  t.rewards = torch::tensor({0.0f, 1.0f, 0.0f}).unsqueeze(1);
  t.dones = torch::zeros({3, 1});
  auto kept = t;
  kept.rewards = t.rewards.clone();
  apply_reward_scaling(fit_reward_scaling(RewardScalingKind::none, kept), kept);
  EXPECT_TRUE(torch::equal(kept.rewards, t.rewards));
  apply_reward_scaling(fit_reward_scaling(RewardScalingKind::antmaze, t), t);
  EXPECT_TRUE(torch::equal(t.rewards, torch::tensor({-1.0f, 0.0f, -1.0f}).unsqueeze(1)));
}

TEST(RewardScaling, ErrorsWithoutCompleteEpisodeOrUnknownName) {
  TransitionSet t;
  t.rewards = torch::ones({10, 1});
  t.dones = torch::zeros({10, 1});
  EXPECT_THROW(fit_reward_scaling(RewardScalingKind::iql_locomotion, t), DatasetError);
  try {
    parse_reward_scaling("iql");
    FAIL();
  } catch (const DatasetError& e) {
    EXPECT_NE(std::string(e.what()).find("iql_locomotion"), std::string::npos);
  }
}

TEST(StateNormalization, MeanAndPopulationStdPlusEpsilonAndCheckpointRoundTrip) {
  TransitionSet t;
  t.observations = torch::tensor({{1.0f, 2.0f}, {3.0f, 6.0f}});
  t.next_observations = torch::tensor({{3.0f, 6.0f}, {5.0f, 10.0f}});
  const auto norm = StateNormalization::fit(t.observations);
  EXPECT_FLOAT_EQ(norm.mean[0].item<float>(), 2.0f);
  EXPECT_FLOAT_EQ(norm.mean[1].item<float>(), 4.0f);
  EXPECT_FLOAT_EQ(norm.std[0].item<float>(), 1.001f);
  EXPECT_FLOAT_EQ(norm.std[1].item<float>(), 2.001f);
  norm.apply_to(t);
  EXPECT_FLOAT_EQ(t.observations[0][0].item<float>(), -1.0f / 1.001f);
  EXPECT_FLOAT_EQ(t.next_observations[1][1].item<float>(), 6.0f / 2.001f);

  torch::serialize::OutputArchive out;
  norm.save(out);
  std::ostringstream bytes;
  out.save_to(bytes);
  torch::serialize::InputArchive in;
  std::istringstream read(bytes.str());
  in.load_from(read);
  const auto loaded = StateNormalization::load(in);
  ASSERT_TRUE(loaded.enabled());
  EXPECT_TRUE(torch::equal(loaded.mean, norm.mean));
  EXPECT_TRUE(torch::equal(loaded.std, norm.std));
  const auto obs = torch::tensor({{2.0f, 4.0f}});
  EXPECT_TRUE(torch::equal(loaded.apply(obs), torch::zeros({1, 2})));
  EXPECT_TRUE(torch::equal(StateNormalization{}.apply(obs), obs));  // disabled = identity
}

TEST(NormalizedScores, MeanAndStdOverSeeds) {
  const auto hopper = envs::env_spec("hopper");  // a copy: GCC 13 takes the reference for a dangling one
  const double range = 3234.3 - -20.272305;
  const auto summary = summarize_scores(hopper, std::vector<double>{1000, 2000, 3000});
  EXPECT_NEAR(summary.mean, 100 * (2000 + 20.272305) / range, 1e-9);
  EXPECT_NEAR(summary.std, std::sqrt(2.0 / 3.0) * 1000 * 100 / range, 1e-9);
  // The same as the population std of the normalised per-seed scores.
  EXPECT_NEAR(summary.std, statistics_of(summary.per_seed_scores).std, 1e-9);
  EXPECT_NEAR(summary.per_seed_scores[0], 100 * (1000 + 20.272305) / range, 1e-9);

  const auto from_episodes = summarize_scores(hopper, std::vector<std::vector<double>>{{900, 1100}, {2000}, {2500, 3500}});
  EXPECT_NEAR(from_episodes.mean, summary.mean, 1e-9);
  EXPECT_NEAR(from_episodes.std, summary.std, 1e-9);
  EXPECT_THROW(summarize_scores(hopper, std::vector<std::vector<double>>{{1.0}, {}}), DatasetError);
}

}  // namespace
}  // namespace grl::datasets
