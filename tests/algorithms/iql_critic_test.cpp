#include <gtest/gtest.h>
#include <torch/torch.h>

#include "algorithms/iql/iql_critic.h"
#include "algorithms/networks/soft_update.h"
#include "support/temp_dir.h"

namespace grl::iql {
namespace {

TEST(IqlLosses, ExpectileLossWeighsPositiveResidualsByTauAndNegativeByOneMinusTau) {
  const auto u = torch::tensor({2.0, -1.0, 0.5, -3.0}, torch::kFloat64);
  // (0.7*4 + 0.3*1 + 0.7*0.25 + 0.3*9) / 4
  EXPECT_NEAR(expectile_loss(u, 0.7).item<double>(), 5.975 / 4, 1e-12);
  // (0.9*4 + 0.1*1 + 0.9*0.25 + 0.1*9) / 4
  EXPECT_NEAR(expectile_loss(u, 0.9).item<double>(), 4.825 / 4, 1e-12);
  EXPECT_NEAR(expectile_loss(u.unsqueeze(1), 0.9).item<double>(), 4.825 / 4, 1e-12);  // [B, 1] too
  EXPECT_NEAR(expectile_loss(u, 0.5).item<double>(), 0.5 * (u.square().mean().item<double>()), 1e-12);
}

TEST(IqlLosses, ExpectileLossIsMinimisedAtTheExpectile) {
  // Data {0, 1} in equal parts: the tau-expectile c solves tau (1 - c) = (1 - tau) c, so c = tau.
  for (double tau : {0.7, 0.9}) {
    auto c = torch::zeros({1}, torch::dtype(torch::kFloat64).requires_grad(true));
    const auto data = torch::tensor({0.0, 1.0, 0.0, 1.0}, torch::kFloat64);
    torch::optim::SGD opt({c}, torch::optim::SGDOptions(0.5));
    for (int i = 0; i < 400; ++i) {
      opt.zero_grad();
      expectile_loss(data - c, tau).backward();
      opt.step();
    }
    EXPECT_NEAR(c.item<double>(), tau, 1e-9) << "tau " << tau;
  }
}

TEST(IqlLosses, TdTargetStopsBootstrappingAtTerminals) {
  const auto r = torch::tensor({1.0, 2.0, -0.5}, torch::kFloat64).unsqueeze(1);
  const auto d = torch::tensor({0.0, 1.0, 0.0}, torch::kFloat64).unsqueeze(1);
  const auto v = torch::tensor({10.0, 10.0, 4.0}, torch::kFloat64);
  const auto y = td_target(r, d, v, 0.99);
  ASSERT_EQ(y.dim(), 1);
  EXPECT_NEAR(y[0].item<double>(), 1.0 + 0.99 * 10.0, 1e-12);
  EXPECT_NEAR(y[1].item<double>(), 2.0, 1e-12);
  EXPECT_NEAR(y[2].item<double>(), -0.5 + 0.99 * 4.0, 1e-12);
  EXPECT_THROW(td_target(r, d, torch::zeros({2}), 0.99), std::invalid_argument);
  EXPECT_THROW(td_target(torch::zeros({3, 2}), d, v, 0.99), std::invalid_argument);
}

TEST(IqlLosses, DoubleQLossAveragesBothHeadsAndDetachesTheTarget) {
  const auto q1 = torch::tensor({1.0, 2.0}, torch::requires_grad());
  const auto q2 = torch::tensor({0.0, 4.0}, torch::requires_grad());
  const auto y = torch::tensor({1.0, 1.0}, torch::requires_grad());
  const auto loss = double_q_loss(q1, q2, y);
  // (mean(0, 1) + mean(1, 9)) / 2 = (0.5 + 5) / 2
  EXPECT_NEAR(loss.item<double>(), 2.75, 1e-12);
  loss.backward();
  EXPECT_FALSE(y.grad().defined());
  // d/dq1_i = (q1_i - y_i) / B / 2
  EXPECT_TRUE(torch::allclose(q1.grad(), torch::tensor({0.0, 0.5})));
  EXPECT_TRUE(torch::allclose(q2.grad(), torch::tensor({-0.5, 1.5})));
}

TEST(SoftUpdate, MovesTargetsByTheRateAndAveragesBuffersOnlyWhenAsked) {
  torch::nn::Linear source(3, 2), target(3, 2);
  const auto before = target->weight.detach().clone();
  networks::soft_update(*source, *target, 0.005);
  EXPECT_TRUE(torch::allclose(target->weight, 0.995 * before + 0.005 * source->weight, 1e-6, 1e-7));
  networks::soft_update(*source, *target, 1.0);
  EXPECT_TRUE(torch::equal(target->weight, source->weight));
  EXPECT_TRUE(torch::equal(target->bias, source->bias));
  torch::nn::Linear other(4, 2);
  EXPECT_THROW(networks::soft_update(*other, *target, 0.5), std::invalid_argument);
  torch::nn::BatchNorm1d norm_source(2), norm_target(2);
  norm_source->running_mean.fill_(4.0);
  networks::soft_update(*norm_source, *norm_target, 0.25);
  EXPECT_TRUE(torch::equal(norm_target->running_mean, torch::zeros({2})));  // keep: buffers untouched
  networks::soft_update(*norm_source, *norm_target, 0.25, networks::SoftUpdateBuffers::average);
  EXPECT_TRUE(torch::allclose(norm_target->running_mean, torch::full({2}, 1.0)));
  EXPECT_EQ(norm_target->num_batches_tracked.item<std::int64_t>(), 0);  // integer buffers are not averaged
}

IqlCriticConfig small_config() {
  IqlCriticConfig config;
  config.network.mlp.hidden = {32, 32};
  config.q_lr = 3e-3;
  config.v_lr = 3e-3;
  return config;
}

// One state, two actions: a = +1 pays 1, a = -1 pays 0, every transition terminal.
datasets::TransitionSet two_action_bandit(int64_t n) {
  datasets::TransitionSet set;
  set.observations = torch::ones({n, 2});
  set.next_observations = torch::ones({n, 2});
  auto good = (torch::arange(n) % 2 == 0).to(torch::kFloat32).unsqueeze(1);
  set.actions = 2 * good - 1;
  set.rewards = good.clone();
  set.dones = torch::ones({n, 1});
  return set;
}

TEST(IqlCritic, UpdateStepsVThenQThenTargetsAndMovesTargetsByTheRate) {
  torch::manual_seed(3);
  IqlCritic critic(small_config(), 2, 1);
  const auto batch = two_action_bandit(8);
  EXPECT_TRUE(torch::equal(critic->q_target->q1->parameters()[0], critic->q->q1->parameters()[0]));
  const auto target_before = critic->q_target->q1->parameters()[0].detach().clone();
  const auto v_before = critic->value(batch.observations).detach().clone();
  const auto metrics = critic->update(batch);
  ASSERT_EQ(metrics.size(), 5u);
  EXPECT_EQ(metrics[0].first, "q_loss");
  EXPECT_EQ(critic->steps(), 1);
  // Targets: (1 - rho) old target + rho new Q (rho = 0.005).
  const auto q_after = critic->q->q1->parameters()[0].detach();
  EXPECT_TRUE(torch::allclose(critic->q_target->q1->parameters()[0], 0.995 * target_before + 0.005 * q_after, 1e-6, 1e-7));
  EXPECT_FALSE(torch::equal(critic->value(batch.observations), v_before));
  // Targets never receive gradients.
  for (const auto& p : critic->q_target->parameters()) EXPECT_FALSE(p.requires_grad());
}

TEST(IqlCritic, LearnsQOfEachActionAndVAsTheExpectile) {
  torch::manual_seed(5);
  auto config = small_config();
  config.target_update_rate = 0.05;
  IqlCritic critic(config, 2, 1);
  const auto batch = two_action_bandit(64);
  for (int i = 0; i < 1500; ++i) critic->update(batch);
  const auto s = torch::ones({2, 2});
  const auto a = torch::tensor({1.0f, -1.0f}).unsqueeze(1);
  const auto q = critic->q_value(s, a);
  EXPECT_NEAR(q[0].item<double>(), 1.0, 0.03);
  EXPECT_NEAR(q[1].item<double>(), 0.0, 0.03);
  // V is the 0.7-expectile of Q over the data's actions {0, 1}: 0.7.
  EXPECT_NEAR(critic->value(s)[0].item<double>(), 0.7, 0.03);
  EXPECT_NEAR(critic->advantage(s, a)[0].item<double>(), 0.3, 0.05);
}

TEST(IqlCritic, CheckpointRoundTripContinuesIdentically) {
  grl::testing::TempDir dir;
  torch::manual_seed(9);
  IqlCritic a(small_config(), 2, 1);
  const auto batch = two_action_bandit(16);
  for (int i = 0; i < 3; ++i) a->update(batch);
  training::CheckpointWriter out;
  a->save(out, "critic");
  out.save(dir / "c.pt");

  torch::manual_seed(10);
  IqlCritic b(small_config(), 2, 1);
  b->load(training::CheckpointReader(dir / "c.pt"), "critic");
  EXPECT_EQ(b->steps(), 3);
  a->update(batch);
  b->update(batch);
  const auto pa = a->parameters(), pb = b->parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i) EXPECT_TRUE(torch::equal(pa[i], pb[i])) << i;
}

TEST(IqlCritic, SetTrainableFreezesQAndVButKeepsActionGradients) {
  IqlCritic critic(small_config(), 2, 1);
  critic->set_trainable(false);
  const auto a = torch::zeros({4, 1}, torch::requires_grad());
  critic->q_value(torch::ones({4, 2}), a).sum().backward();
  EXPECT_TRUE(a.grad().defined());
  for (const auto& p : critic->q->parameters()) EXPECT_FALSE(p.grad().defined());
}

}  // namespace
}  // namespace grl::iql
