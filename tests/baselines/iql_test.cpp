// IQL baseline: the advantage weights and their clip, the weighted loss and the cosine schedule on
// hand-made numbers; both actor types choosing the rewarded mode of the two-mode bandit where
// behaviour cloning averages the modes; config errors that name the key.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "baselines/iql/iql.h"
#include "baseline_problems.h"

namespace grl::baselines {
namespace {

using namespace test_problems;

TEST(IqlBaselineWeights, ExponentiatedAdvantageClippedAt100WithoutGradient) {
  const auto advantage = torch::tensor({0.0, 0.5, -1.0, 2.0, 400.0}, torch::dtype(torch::kFloat64).requires_grad(true));
  const auto w = awr_weights(advantage, 3.0, 100.0);
  EXPECT_FALSE(w.requires_grad());
  EXPECT_NEAR(w[0].item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(w[1].item<double>(), std::exp(1.5), 1e-12);
  EXPECT_NEAR(w[2].item<double>(), std::exp(-3.0), 1e-12);
  EXPECT_EQ(w[3].item<double>(), 100.0);  // e^6 = 403 clipped
  EXPECT_EQ(w[4].item<double>(), 100.0);  // e^1200 overflows to inf: still the clip, never NaN
  EXPECT_TRUE(torch::equal(awr_weights(advantage, 0.0, 100.0), torch::ones({5}, torch::kFloat64)));
}

TEST(IqlBaselineWeights, WeightedLossIsTheMeanOfWeightTimesLoss) {
  const auto weights = torch::tensor({1.0f, 2.0f, 0.5f});
  const auto losses = torch::tensor({3.0f, -1.0f, 4.0f}, torch::requires_grad());
  const auto loss = awr_loss(weights, losses);
  EXPECT_NEAR(loss.item<double>(), (3.0 - 2.0 + 2.0) / 3, 1e-6);
  loss.backward();
  EXPECT_TRUE(torch::allclose(losses.grad(), weights / 3));
  EXPECT_THROW(awr_loss(weights, torch::ones({2})), std::invalid_argument);
}

TEST(IqlBaselineSchedule, CosineFromTheBaseRateToZeroOverTheRun) {
  EXPECT_DOUBLE_EQ(cosine_learning_rate(3e-4, 0, 1000), 3e-4);
  EXPECT_NEAR(cosine_learning_rate(3e-4, 500, 1000), 1.5e-4, 1e-15);
  EXPECT_NEAR(cosine_learning_rate(3e-4, 250, 1000), 3e-4 * (1 + std::sqrt(0.5)) / 2, 1e-15);
  EXPECT_NEAR(cosine_learning_rate(3e-4, 1000, 1000), 0.0, 1e-15);
}

TEST(IqlBaseline, ActorLearningRateFollowsTheScheduleStepByStep) {
  const auto data = random_transitions(64, 3, 2, 1);
  auto iql = make_algorithm("iql", "steps: 4\nbatch_size: 16\nactor_lr: 1e-3\nactor: {hidden: [8]}\n"
                                   "critic: {network: {mlp: {hidden: [8]}}}\n",
                            toy_context(&data, 3, 2));
  for (int64_t step = 0; step < 4; ++step) {
    const auto m = iql->train_step("train", step);
    EXPECT_NEAR(metric(m, "actor_lr"), 1e-3 * (1 + std::cos(M_PI * step / 4.0)) / 2, 1e-15) << step;
    EXPECT_TRUE(std::isfinite(metric(m, "actor_loss")));
    EXPECT_TRUE(std::isfinite(metric(m, "q_loss")));
  }
  auto constant = make_algorithm("iql", "steps: 4\nbatch_size: 16\ncosine_schedule: false\nactor: {hidden: [8]}\n",
                                 toy_context(&data, 3, 2));
  constant->train_step("train", 0);
  EXPECT_EQ(metric(constant->train_step("train", 1), "actor_lr"), 3e-4);
}

const char* kIqlBanditYaml =
    "steps: 600\nbatch_size: 128\nbeta: 10\nactor_lr: 3e-3\ncosine_schedule: false\nactor: {hidden: [64, 64]}\n"
    "critic: {q_lr: 3e-3, v_lr: 3e-3, target_update_rate: 0.05, network: {mlp: {hidden: [64, 64]}}}\n";

class IqlBaselineBandit : public ::testing::TestWithParam<const char*> {};

TEST_P(IqlBaselineBandit, PicksTheRewardedModeWhereCloningAverages) {
  OneTorchThread one_thread;
  const auto data = two_mode_bandit(1024, 1);
  torch::manual_seed(2);
  auto iql = make_algorithm("iql", std::string(kIqlBanditYaml) + "actor_type: " + GetParam() + "\n",
                            toy_context(&data, 1, 1));
  train_all_stages(*iql);
  auto& critic = dynamic_cast<Iql&>(*iql).critic();
  const auto advantage = critic->advantage(torch::zeros({2, 1}), torch::tensor({0.6f, -0.6f}).unsqueeze(1));
  EXPECT_GT(advantage[0].item<double>() - advantage[1].item<double>(), 0.8);
  const auto actions = iql->policy()->act(torch::linspace(-1, 1, 201).unsqueeze(1));
  // The deterministic action sits on the rewarded mode (+0.6) in every state.
  EXPECT_GT(actions.min().item<double>(), 0.4) << GetParam();
  EXPECT_LT(actions.max().item<double>(), 0.8) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(IqlBaseline, IqlBaselineBandit, ::testing::Values("gaussian", "deterministic"));

TEST(IqlBaseline, ActingOnlyBuildRefusesToTrainButActs) {
  auto iql = make_algorithm("iql", "actor: {hidden: [16]}\n", toy_context(nullptr, 3, 2));
  EXPECT_THROW(iql->train_step("train", 0), std::logic_error);
  EXPECT_EQ(iql->policy()->act(torch::zeros({5, 3})).sizes(), (std::vector<int64_t>{5, 2}));
}

TEST(IqlBaseline, ConfigErrorsNameTheKey) {
  try {
    config_from_yaml("iql", "beta: -1\n");
    FAIL() << "negative beta accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("iql.yaml line 1: key 'iql.beta': value '-1' is out of range, expected a value >= 0"), std::string::npos) << e.what();
  }
  try {
    config_from_yaml("iql", "critic:\n  expectil: 0.9\n");
    FAIL() << "unknown key accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown key 'iql.critic.expectil'"), std::string::npos) << e.what();
  }
  try {
    config_from_yaml("iql", "actor_type: stochastic\n");
    FAIL() << "unknown actor type accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("key 'iql.actor_type'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace grl::baselines
