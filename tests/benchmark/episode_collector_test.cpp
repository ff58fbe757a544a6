// The collector behind `grl collect` and the native datasets: D4RL keys, dtypes and shapes; returns
// recomputed from the stored rewards; qpos/qvel replayed through the env reproduce the stored
// observations; the transitions mode cuts exactly; the same seed gives the same file.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "benchmark/episode_collector.h"
#include "envs/env.h"

namespace grl::benchmark {
namespace {

CollectedEpisodes collect_with_actor(std::int64_t episodes, std::int64_t transitions, std::uint64_t seed) {
  torch::manual_seed(5);
  networks::TanhGaussianActor actor(11, 3, networks::TanhGaussianActorConfig{{32, 32}, -20, 2});
  auto source = actor_actions(actor, false, seed, "test actor");
  CollectionOptions options;
  options.env = "hopper";
  options.seed = seed;
  options.episodes = episodes;
  options.transitions = transitions;
  options.batch = 4;
  return collect_episodes(*source, options);
}

TEST(EpisodeCollector, WritesTheD4rlKeysWithTheirDtypesAndShapes) {
  const auto c = collect_with_actor(6, 0, 1);
  const auto& f = c.file;
  const int64_t n = f.rows();
  EXPECT_EQ(c.returns.size(), 6u);
  EXPECT_FALSE(c.last_episode_cut);
  EXPECT_EQ(f.observations.sizes(), (std::vector<int64_t>{n, 11}));
  EXPECT_EQ(f.actions.sizes(), (std::vector<int64_t>{n, 3}));
  EXPECT_EQ(f.rewards.sizes(), (std::vector<int64_t>{n}));
  EXPECT_EQ(f.terminals.scalar_type(), torch::kBool);
  EXPECT_EQ(f.timeouts->scalar_type(), torch::kBool);
  EXPECT_EQ(f.next_observations->sizes(), f.observations.sizes());
  EXPECT_EQ(f.infos.at("qpos").sizes(), (std::vector<int64_t>{n, 6}));
  EXPECT_EQ(f.infos.at("qvel").scalar_type(), torch::kFloat64);
  EXPECT_EQ(f.infos.at("action_log_probs").sizes(), (std::vector<int64_t>{n}));
  EXPECT_EQ(f.observations.scalar_type(), torch::kFloat32);
  // Every episode ends in exactly one terminal or timeout row.
  EXPECT_EQ((f.terminals.logical_or(*f.timeouts)).sum().item<int64_t>(), 6);
}

TEST(EpisodeCollector, ReturnsRecomputedFromTheRewardsMatchTheReportedOnes) {
  const auto c = collect_with_actor(5, 0, 2);
  const auto rewards = c.file.rewards.to(torch::kFloat64);
  int64_t at = 0;
  for (std::size_t e = 0; e < c.returns.size(); ++e) {
    const double sum = rewards.narrow(0, at, c.lengths[e]).sum().item<double>();
    // Stored rewards are float32; the reported return sums the float64 rewards of the env.
    EXPECT_NEAR(sum, c.returns[e], 1e-4 * std::max(1.0, std::abs(c.returns[e]))) << "episode " << e;
    at += c.lengths[e];
  }
  EXPECT_EQ(at, c.file.rows());
}

TEST(EpisodeCollector, StoredSimulatorStatesReproduceTheObservations) {
  const auto c = collect_with_actor(3, 0, 3);
  auto env = envs::make_env("hopper");
  const auto qpos = c.file.infos.at("qpos").contiguous(), qvel = c.file.infos.at("qvel").contiguous();
  const auto actions = c.file.actions.to(torch::kFloat64).contiguous();
  std::vector<double> obs(11);
  for (int64_t i = 0; i < c.file.rows(); ++i) {
    env->set_state(qpos[i].data_ptr<double>(), qvel[i].data_ptr<double>());
    env->observe(obs.data());
    for (int k = 0; k < 11; ++k)
      ASSERT_EQ(static_cast<float>(obs[k]), c.file.observations[i][k].item<float>()) << "row " << i << " dim " << k;
    // ...and stepping from the stored state with the stored action gives the stored reward.
    const auto step = env->step(actions[i].data_ptr<double>(), obs.data());
    ASSERT_EQ(static_cast<float>(step.reward), c.file.rewards[i].item<float>()) << "row " << i;
  }
}

TEST(EpisodeCollector, TransitionsModeCutsTheLastEpisodeAtTheGoal) {
  const auto c = collect_with_actor(0, 1000, 4);
  EXPECT_EQ(c.file.rows(), 1000);
  EXPECT_TRUE(c.last_episode_cut);
  int64_t complete = 0;
  for (int length : c.lengths) complete += length;
  EXPECT_LT(complete, 1000);
  // The cut episode's rows carry no end flag.
  EXPECT_FALSE(c.file.terminals[999].item<bool>() || (*c.file.timeouts)[999].item<bool>());
}

TEST(EpisodeCollector, SameSeedSameFileOtherSeedOtherFile) {
  const auto a = collect_with_actor(0, 500, 7), b = collect_with_actor(0, 500, 7), c = collect_with_actor(0, 500, 8);
  EXPECT_TRUE(torch::equal(a.file.observations, b.file.observations));
  EXPECT_TRUE(torch::equal(a.file.actions, b.file.actions));
  EXPECT_TRUE(torch::equal(a.file.infos.at("action_log_probs"), b.file.infos.at("action_log_probs")));
  EXPECT_FALSE(torch::equal(a.file.observations, c.file.observations));
}

TEST(EpisodeCollector, AskingForBothEpisodesAndTransitionsIsAnError) {
  auto source = zero_actions(3);
  CollectionOptions options;
  options.env = "hopper";
  options.episodes = 2;
  options.transitions = 10;
  EXPECT_THROW(collect_episodes(*source, options), std::invalid_argument);
}

}  // namespace
}  // namespace grl::benchmark
