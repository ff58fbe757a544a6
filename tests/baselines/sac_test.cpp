// SAC: its losses on hand-made tensors, the tanh-Gaussian density against the analytic one, the replay
// buffer's D4RL export, a short run that learns, and a resumed run that ends bit-identical.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>

#include "baselines/sac/replay_buffer.h"
#include "baselines/sac/sac.h"
#include "common/run_directory.h"
#include "support/temp_dir.h"

namespace grl {
namespace {

TEST(SacLosses, SoftTargetOnHandMadeTensors) {
  const auto r = torch::tensor({1.0f, 2.0f, -1.0f});
  const auto terminal = torch::tensor({0.0f, 1.0f, 0.0f});
  const auto next_q = torch::tensor({10.0f, 5.0f, 3.0f});
  const auto next_log_prob = torch::tensor({-2.0f, 0.5f, 1.0f});
  // y = r + 0.9 (1 - d) (q' - 0.5 logp'): 1 + 0.9 * 11 = 10.9; 2; -1 + 0.9 * 2.5 = 1.25
  const auto y = sac::soft_td_target(r, terminal.unsqueeze(1), next_q, next_log_prob, 0.5, 0.9);
  EXPECT_TRUE(torch::allclose(y, torch::tensor({10.9f, 2.0f, 1.25f}), 1e-6, 1e-6)) << y;
  EXPECT_FALSE(y.requires_grad());
}

TEST(SacLosses, ActorAndTemperatureLosses) {
  const auto q = torch::tensor({3.0f, 1.0f});
  const auto log_prob = torch::tensor({-1.0f, 0.5f});
  // mean(0.2 * logp - q) = mean(-3.2, -0.9) = -2.05
  EXPECT_NEAR(sac::actor_loss(q, log_prob, 0.2).item<double>(), -2.05, 1e-6);
  // Entropy -mean(logp) = 0.25 is above the target -3: lowering alpha lowers the loss.
  const auto log_alpha = torch::zeros({1}, torch::requires_grad());
  const auto loss = sac::alpha_loss(log_alpha, log_prob, /*target_entropy=*/-3.0);
  loss.backward();
  // d/dlog_alpha -mean(log_alpha (logp + H)) = -mean(logp + H) = -(-0.25 - 3) = 3.25 > 0
  EXPECT_NEAR(log_alpha.grad().item<double>(), 3.25, 1e-6);
}

TEST(TanhGaussianActor, LogProbMatchesTheAnalyticDensityOfTanhOfAGaussian) {
  // One dimension: a = tanh(u), u ~ N(m, s^2) has density N(atanh a; m, s) / (1 - a^2).
  const double m = 0.3, s = 0.7;
  for (double a : {-0.95, -0.5, 0.0, 0.4, 0.9}) {
    const double u = std::atanh(a);
    const double expected = -0.5 * std::pow((u - m) / s, 2) - std::log(s) - 0.5 * std::log(2 * M_PI) - std::log(1 - a * a);
    const auto got = networks::tanh_gaussian_log_prob(torch::full({1, 1}, m, torch::kFloat64),
                                                      torch::full({1, 1}, std::log(s), torch::kFloat64),
                                                      torch::full({1, 1}, u, torch::kFloat64));
    EXPECT_NEAR(got.item<double>(), expected, 1e-9) << "a = " << a;
  }
  // The stable log-det form stays finite where 1 - tanh(u)^2 underflows.
  EXPECT_TRUE(std::isfinite(networks::tanh_log_det_jacobian(torch::tensor({40.0f})).item<float>()));
  EXPECT_NEAR(networks::tanh_log_det_jacobian(torch::tensor({40.0}, torch::kFloat64)).item<double>(),
              2 * (std::log(2.0) - 40), 1e-9);
  EXPECT_NEAR(networks::tanh_log_det_jacobian(torch::tensor({0.5}, torch::kFloat64)).item<double>(),
              std::log(1 - std::pow(std::tanh(0.5), 2)), 1e-12);
}

TEST(TanhGaussianActor, SampledLogProbEqualsLogProbOfTheAction) {
  torch::manual_seed(3);
  networks::TanhGaussianActor actor(5, 2, networks::TanhGaussianActorConfig{{16, 16}, -5, 2});
  actor->to(torch::kFloat64);
  const auto states = torch::randn({64, 5}, torch::kFloat64);
  const auto sample = actor->sample(states);
  EXPECT_TRUE(torch::allclose(sample.log_prob, actor->log_prob(states, sample.action), 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(actor->deterministic_action(states), torch::tanh(actor->forward(states).first)));
  EXPECT_LE(sample.action.abs().max().item<double>(), 1.0);
}

TEST(TanhGaussianActor, PolicyWeightsUseD4rlNamesAndRoundTrip) {
  torch::manual_seed(0);
  networks::TanhGaussianActor actor(11, 3);
  const auto weights = actor->policy_weights();
  std::vector<std::string> names;
  for (const auto& [name, w] : weights) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"fc0/bias", "fc0/weight", "fc1/bias", "fc1/weight", "last_fc/bias",
                                             "last_fc/weight", "last_fc_log_std/bias", "last_fc_log_std/weight"}));
  EXPECT_EQ(weights.at("fc0/weight").sizes(), (std::vector<int64_t>{256, 11}));
  EXPECT_EQ(weights.at("last_fc_log_std/weight").sizes(), (std::vector<int64_t>{3, 256}));
  networks::TanhGaussianActor other(11, 3);
  other->load_policy_weights(weights);
  const auto s = torch::randn({4, 11});
  EXPECT_TRUE(torch::equal(other->deterministic_action(s), actor->deterministic_action(s)));
  auto wrong = weights;
  wrong["fc1/weight"] = torch::zeros({3, 3});
  try {
    other->load_policy_weights(wrong);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("entry 'fc1/weight' has shape [3, 3], the actor expects [256, 256]"), std::string::npos)
        << e.what();
  }
}

// Two envs whose rows interleave: env 0 runs episodes of 2 steps, env 1 one of 3 steps.
sac::ReplayBuffer interleaved_buffer() {
  sac::ReplayBuffer buffer(16, 1, 1, 1, 1);
  auto add = [&](float obs, int env, bool terminal, bool timeout) {
    const float next = obs + 0.5f, action = -obs;
    const double q = obs, v = 2 * obs;
    buffer.add({&obs, &action, obs * 10.0, &next, terminal, timeout, &q, &v, -obs, env});
  };
  add(0, 0, false, false);
  add(100, 1, false, false);
  add(1, 0, true, false);    // env 0's first episode ends (terminal)
  add(101, 1, false, false);
  add(2, 0, false, false);
  add(102, 1, false, true);  // env 1's episode ends (time limit)
  add(3, 0, false, false);   // env 0's second episode is still running
  return buffer;
}

TEST(ReplayBuffer, ExportsWholeEpisodesInTheOrderTheyEnded) {
  const auto file = interleaved_buffer().to_d4rl(7);
  EXPECT_TRUE(torch::equal(file.observations.squeeze(1), torch::tensor({0.f, 1.f, 100.f, 101.f, 102.f, 2.f, 3.f})));
  EXPECT_TRUE(torch::equal(file.actions.squeeze(1), -file.observations.squeeze(1)));
  EXPECT_TRUE(torch::equal(file.rewards, file.observations.squeeze(1) * 10));
  EXPECT_TRUE(torch::equal(file.terminals, torch::tensor({false, true, false, false, false, false, false})));
  // Env 1's time limit, and the cut of env 0's running episode at the end of the file.
  EXPECT_TRUE(torch::equal(*file.timeouts, torch::tensor({false, false, false, false, true, false, true})));
  EXPECT_TRUE(torch::equal(file.infos.at("qvel").squeeze(1), file.observations.squeeze(1).to(torch::kFloat64) * 2));
  EXPECT_TRUE(torch::equal(file.infos.at("action_log_probs"), -file.observations.squeeze(1)));
  EXPECT_EQ(file.infos.at("qpos").scalar_type(), torch::kFloat64);
}

TEST(ReplayBuffer, EpisodeCutMarksTheEnvsLastRowOnly) {
  auto buffer = interleaved_buffer();
  buffer.mark_episode_cut(0);  // row "3" becomes the end of env 0's episode
  const auto file = buffer.to_d4rl(7);
  EXPECT_TRUE(torch::equal(file.observations.squeeze(1), torch::tensor({0.f, 1.f, 100.f, 101.f, 102.f, 2.f, 3.f})));
  EXPECT_EQ(file.timeouts->sum().item<int64_t>(), 2);
  const auto terminal_row = interleaved_buffer();
  sac::ReplayBuffer copy = terminal_row;
  copy.mark_episode_cut(1);  // env 1's last row already ended by a timeout: nothing changes
  EXPECT_TRUE(torch::equal(*copy.to_d4rl(7).timeouts, *terminal_row.to_d4rl(7).timeouts));
}

TEST(ReplayBuffer, RefusesToExportAfterWrapping) {
  sac::ReplayBuffer buffer(2, 1, 1, 1, 1);
  const float x = 0;
  const double q = 0;
  for (int i = 0; i < 3; ++i) buffer.add({&x, &x, 0.0, &x, false, false, &q, &q, 0.0f, 0});
  EXPECT_EQ(buffer.size(), 2);
  EXPECT_THROW(buffer.to_d4rl(2), std::invalid_argument);
}

sac::SacConfig tiny_config() {
  sac::SacConfig c;
  c.env = "hopper";
  c.total_steps = 1200;
  c.learning_starts = 200;
  c.batch_size = 32;
  c.actor.hidden = {32, 32};
  c.critic.hidden = {32, 32};
  c.eval_every = 600;
  c.eval_episodes = 2;
  c.snapshot_every = 600;
  c.checkpoint_every = 600;
  c.log_every = 300;
  return c;
}

// "stage step" of every metrics line (wall times differ between runs).
std::vector<std::string> metrics_steps(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> steps;
  for (std::string line; std::getline(in, line);) {
    const auto stage = line.find("\"stage\"");
    const auto step = line.find("\"step\"");
    steps.push_back(line.substr(stage, line.find(',', stage) - stage) + line.substr(step, line.find(',', step) - step));
  }
  return steps;
}

TEST(SacTraining, ResumedRunEndsBitIdenticalToAnUninterruptedOne) {
  testing::TempDir dir;
  const auto config = tiny_config();
  const auto whole = RunDirectory::create(dir.path(), "whole");
  ASSERT_EQ(sac::train_sac(config, whole), sac::SacOutcome::finished);

  const auto parts = RunDirectory::create(dir.path(), "parts");
  std::int64_t checks = 0;
  // The loop asks before each env step: the 601st question comes at step 600, just after the
  // periodic checkpoint there.
  ASSERT_EQ(sac::train_sac(config, parts, [&] { return ++checks > 600; }), sac::SacOutcome::interrupted);
  ASSERT_EQ(sac::train_sac(config, parts), sac::SacOutcome::finished);

  const auto [actor_whole, info_whole] = sac::load_actor_file(whole.path() / "snapshots" / "actor-1200.pt");
  const auto [actor_parts, info_parts] = sac::load_actor_file(parts.path() / "snapshots" / "actor-1200.pt");
  for (const auto& [name, w] : actor_whole->policy_weights()) {
    EXPECT_TRUE(torch::equal(w, actor_parts->policy_weights().at(name))) << name;
  }
  EXPECT_EQ(info_whole.return_deterministic, info_parts.return_deterministic);
  // The metrics of the two sessions read like those of the one.
  EXPECT_EQ(metrics_steps(whole.metrics_path()), metrics_steps(parts.metrics_path()));
  EXPECT_EQ(metrics_steps(whole.metrics_path()).size(), 2u * 3 + 4);  // 3 evaluations of 2 policies, 4 lines
  for (const char* snapshot : {"actor-0.pt", "actor-600.pt", "actor-1200.pt"})
    EXPECT_TRUE(std::filesystem::exists(parts.path() / "snapshots" / snapshot)) << snapshot;
}

TEST(SacTraining, AShortRunOnHopperLearnsToHopForward) {
  // 3800 updates of a 64-64 SAC. The untrained actor falls over within a few dozen steps (returns
  // 12-67 over seeds 0-2); after the short run it stays up and moves forward (106-200 over the same
  // seeds, measured with this configuration).
  testing::TempDir dir;
  auto config = tiny_config();
  config.total_steps = 4000;
  config.batch_size = 64;
  config.actor.hidden = {64, 64};
  config.critic.hidden = {64, 64};
  config.snapshot_every = 4000;
  config.eval_every = 4000;
  config.checkpoint_every = 0;
  config.eval_episodes = 5;
  const auto run = RunDirectory::create(dir.path(), "short");
  ASSERT_EQ(sac::train_sac(config, run), sac::SacOutcome::finished);
  const auto before = sac::load_actor_file(run.path() / "snapshots" / "actor-0.pt").second;
  const auto after = sac::load_actor_file(run.path() / "snapshots" / "actor-4000.pt").second;
  std::printf("hopper return: %.1f untrained, %.1f after 4000 steps\n", before.return_deterministic,
              after.return_deterministic);
  EXPECT_GT(after.return_deterministic, 100);
  EXPECT_GT(after.return_deterministic, before.return_deterministic + 50);
  EXPECT_EQ(after.step, 4000);
  EXPECT_EQ(after.env, "hopper");
}

}  // namespace
}  // namespace grl
