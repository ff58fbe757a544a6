// BC: both losses on hand-made tensors, both variants fitting a known state -> action map, the
// acting-only build, and config errors that name the key.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "baselines/bc/bc.h"
#include "support/temp_dir.h"
#include "baseline_problems.h"

namespace grl::baselines {
namespace {

using namespace test_problems;

TEST(BcLosses, MeanSquaredErrorOverBatchAndActionDims) {
  const auto predicted = torch::tensor({{0.5f, -0.5f}, {0.0f, 1.0f}}, torch::requires_grad());
  const auto actions = torch::tensor({{0.0f, 0.5f}, {0.0f, 0.0f}});
  // ((0.5)^2 + (-1)^2 + 0 + 1^2) / 4 = 2.25 / 4
  const auto loss = bc_mse_loss(predicted, actions);
  EXPECT_NEAR(loss.item<double>(), 0.5625, 1e-7);
  loss.backward();
  // d/dp mean (p - a)^2 = 2 (p - a) / 4
  EXPECT_TRUE(torch::allclose(predicted.grad(), torch::tensor({{0.25f, -0.5f}, {0.0f, 0.5f}})));
  EXPECT_THROW(bc_mse_loss(predicted, actions.t().reshape({4, 1})), std::invalid_argument);
}

TEST(BcLosses, NegativeLogLikelihoodOfTheDatasetActions) {
  EXPECT_NEAR(bc_nll_loss(torch::tensor({-1.0, 2.0, -4.0})).item<double>(), 1.0, 1e-12);
  // A tanh-Gaussian actor whose weights are zero has mean = bias and log std = bias: the loss of a
  // dataset action a is -(log N(atanh a; m, s) - log(1 - a^2)), the density of tanh of a Gaussian.
  networks::TanhGaussianActor actor(1, 1, networks::TanhGaussianActorConfig{{4}, -20, 2});
  const double m = 0.2, s = 0.5, a = 0.7;
  {
    torch::NoGradGuard no_grad;
    for (auto& p : actor->parameters()) p.zero_();
    actor->named_parameters()["last_fc.bias"].fill_(m);
    actor->named_parameters()["last_fc_log_std.bias"].fill_(std::log(s));
  }
  const double u = std::atanh(a);
  const double expected = -(-0.5 * std::pow((u - m) / s, 2) - std::log(s) - 0.5 * std::log(2 * M_PI) - std::log(1 - a * a));
  const auto loss = bc_nll_loss(actor->log_prob(torch::zeros({3, 1}), torch::full({3, 1}, a)));
  EXPECT_NEAR(loss.item<double>(), expected, 1e-5);
}

// a = (sin(2 s_0), 0.5 s_1) + N(0, 0.05^2): a smooth map inside (-1, 1), with noise so that the
// Gaussian's std has somewhere to settle.
datasets::TransitionSet bc_sine_data(int64_t n) {
  auto set = random_transitions(n, 2, 2, 5);
  set.observations = torch::rand({n, 2}) * 2 - 1;
  const auto clean = torch::stack({torch::sin(2 * set.observations.select(1, 0)), 0.5 * set.observations.select(1, 1)}, 1);
  set.actions = (clean + 0.05 * torch::randn_like(clean)).clamp(-0.99, 0.99);
  return set;
}

class BcFitsTheData : public ::testing::TestWithParam<const char*> {};

TEST_P(BcFitsTheData, ActionsOfTheTrainedPolicyMatchTheDataMap) {
  OneTorchThread one_thread;
  const auto data = bc_sine_data(2048);
  torch::manual_seed(3);
  auto bc = make_algorithm("bc", std::string("loss: ") + GetParam() +
                                     "\nsteps: 800\nbatch_size: 128\nlr: 3e-3\nactor: {hidden: [64, 64]}\n",
                           toy_context(&data, 2, 2));
  const auto states = torch::rand({500, 2}) * 2 - 1;
  const auto truth = torch::stack({torch::sin(2 * states.select(1, 0)), 0.5 * states.select(1, 1)}, 1);
  const double before = (bc->policy()->act(states) - truth).square().mean().item<double>();
  train_all_stages(*bc);
  const double after = (bc->policy()->act(states) - truth).square().mean().item<double>();
  EXPECT_GT(before, 0.1);
  EXPECT_LT(after, 0.005) << GetParam() << ": from " << before;
}

INSTANTIATE_TEST_SUITE_P(Bc, BcFitsTheData, ::testing::Values("mse", "nll"));

TEST(Bc, AveragesTheTwoModesOfTheBandit) {
  // Cloning both modes of the two-mode bandit: the deterministic actor regresses to their mean 0,
  // unlike the value-based baselines, which pick the rewarded +0.6.
  OneTorchThread one_thread;
  const auto data = two_mode_bandit(1024, 1);
  torch::manual_seed(2);
  auto bc = make_algorithm("bc", "steps: 600\nbatch_size: 128\nlr: 3e-3\nactor: {hidden: [32, 32]}\n",
                           toy_context(&data, 1, 1));
  train_all_stages(*bc);
  const auto actions = bc->policy()->act(torch::linspace(-1, 1, 101).unsqueeze(1));
  EXPECT_LT(actions.abs().max().item<double>(), 0.15);
}

TEST(Bc, ActingOnlyBuildRefusesToTrainButActs) {
  for (const char* loss : {"mse", "nll"}) {
    auto bc = make_algorithm("bc", std::string("loss: ") + loss + "\n", toy_context(nullptr, 3, 2));
    EXPECT_THROW(bc->train_step("policy", 0), std::logic_error) << loss;
    const auto a = bc->policy()->act(torch::zeros({4, 3}));
    EXPECT_EQ(a.sizes(), (std::vector<int64_t>{4, 2}));
    EXPECT_TRUE((a.abs() < 1).all().item<bool>());
  }
}

TEST(Bc, ConfigErrorsNameTheKey) {
  try {
    config_from_yaml("bc", "loss: mae\n");
    FAIL() << "unknown loss accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("key 'bc.loss': 'mae' is not one of"), std::string::npos) << e.what();
  }
  try {
    config_from_yaml("bc", "actor:\n  hiden: [64]\n");
    FAIL() << "unknown key accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bc.yaml line 2: unknown key 'bc.actor.hiden'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(config_from_yaml("bc", "lr: 0\n"), config::ConfigError);
}

}  // namespace
}  // namespace grl::baselines
