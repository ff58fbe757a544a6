// SRPO: the score-regularised surrogate on hand-made tensors (its value and its gradient in the
// actions, (w eps_hat - beta grad Q) / B, with nothing flowing into eps_hat or grad Q); the two-mode
// bandit, where the deterministic actor settles on the rewarded mode; subtract_noise shrinks the regulariser
// near the behaviour mode to a fraction of the plain estimate.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "baselines/srpo/srpo.h"
#include "baseline_problems.h"

namespace grl::baselines {
namespace {

using namespace test_problems;

TEST(SrpoSurrogate, ValueAndGradientAreTheScoreRegularisedPolicyGradient) {
  const auto actions = torch::tensor({{0.5, -0.2}, {0.1, 0.3}}, torch::dtype(torch::kFloat64).requires_grad(true));
  const auto eps_hat = torch::tensor({{1.0, 2.0}, {-1.0, 0.5}}, torch::dtype(torch::kFloat64).requires_grad(true));
  const auto weight = torch::tensor({0.25, 0.81}, torch::kFloat64);
  const auto q_gradient = torch::tensor({{4.0, 0.0}, {-2.0, 6.0}}, torch::dtype(torch::kFloat64).requires_grad(true));
  const double beta = 0.5;
  const auto loss = srpo_surrogate_loss(actions, eps_hat, weight, q_gradient, beta);
  // Row 0: 0.25 (0.5 - 0.4) - 0.5 (2.0) = -0.975; row 1: 0.81 (-0.1 + 0.15) - 0.5 (-0.2 + 1.8) = -0.7595.
  EXPECT_NEAR(loss.item<double>(), (-0.975 - 0.7595) / 2, 1e-12);
  loss.backward();
  const auto expected = (weight.unsqueeze(1) * eps_hat.detach() - beta * q_gradient.detach()) / 2;
  EXPECT_TRUE(torch::allclose(actions.grad(), expected, 1e-12, 1e-12)) << actions.grad();
  EXPECT_FALSE(eps_hat.grad().defined());
  EXPECT_FALSE(q_gradient.grad().defined());
  EXPECT_THROW(srpo_surrogate_loss(actions, eps_hat, torch::ones({3}, torch::kFloat64), q_gradient, beta),
               std::invalid_argument);
}

const char* kSrpoToyYaml =
    "behaviour: {steps: 1500, batch_size: 128, lr: 3e-3, model: {network: {name: mlp, hidden: [64, 64]}}}\n"
    "critic: {steps: 400, batch_size: 128, iql: {q_lr: 3e-3, v_lr: 3e-3, target_update_rate: 0.05, network: {mlp: {hidden: [64, 64]}}}}\n"
    "policy: {steps: 800, batch_size: 128, lr: 3e-3, cosine_schedule: false, actor: {hidden: [64, 64]}";

TEST(Srpo, TwoModeBanditActorSettlesOnTheRewardedMode) {
  OneTorchThread one_thread;
  const auto data = two_mode_bandit(1024, 1);
  torch::manual_seed(2);
  auto srpo = make_algorithm("srpo", std::string(kSrpoToyYaml) + ", beta: 0.15}\n", toy_context(&data, 1, 1));
  train_all_stages(*srpo);
  const auto states = torch::linspace(-1, 1, 201).unsqueeze(1);
  const auto actions = srpo->policy()->act(states);
  // Within 0.2 of the rewarded mode +0.6 in every state: up Q, but held to the data by the score
  // (Q alone extrapolates past +0.6 towards the edge of the action box).
  EXPECT_GT(actions.min().item<double>(), 0.4);
  EXPECT_LT(actions.max().item<double>(), 0.8);
}

// Pure distillation (beta 0) of a one-mode behaviour (actions +0.6 + N(0, 0.05^2) in every state): the mean
// over the last 100 policy steps of the regulariser's per-state size, rms of w eps_hat or w (eps_hat - z).
double late_score_term_rms(bool subtract_noise) {
  auto data = two_mode_bandit(1024, 1);
  data.actions = 0.6f + 0.05f * torch::randn({1024, 1});
  torch::manual_seed(3);
  const std::string yaml =
      "behaviour: {steps: 600, batch_size: 128, lr: 3e-3, model: {network: {name: mlp, hidden: [64, 64]}}}\n"
      "critic: {steps: 1, iql: {network: {mlp: {hidden: [8]}}}}\n"
      "policy: {steps: 300, batch_size: 128, lr: 3e-3, cosine_schedule: false, actor: {hidden: [64, 64]}, beta: 0, "
      "subtract_noise: " + std::string(subtract_noise ? "true" : "false") + "}\n";
  auto srpo = make_algorithm("srpo", yaml, toy_context(&data, 1, 1));
  double sum = 0;
  for (const auto& stage : srpo->stages())
    for (int64_t step = 0; step < stage.steps; ++step) {
      const training::Metrics metrics = srpo->train_step(stage.name, step);
      if (stage.name == "policy" && step >= stage.steps - 100) sum += metric(metrics, "score_term_rms");
    }
  return sum / 100;
}

TEST(Srpo, SubtractingTheDrawnNoiseShrinksTheRegulariserNearTheMode) {
  OneTorchThread one_thread;
  const double plain = late_score_term_rms(false), subtracted = late_score_term_rms(true);
  // Without it the term is mostly the drawn noise (w eps_hat ~ w z at large t: rms 0.81 here); with it,
  // what is left is the score's own pull towards the mode (0.09).
  EXPECT_GT(plain, 0.4);
  EXPECT_LT(subtracted, plain / 4) << plain;
}

TEST(Srpo, ActingOnlyBuildAndConfigErrors) {
  auto srpo = make_algorithm("srpo", "behaviour: {model: {network: {name: mlp, hidden: [8]}}}\npolicy: {actor: {hidden: [8]}}\n",
                             toy_context(nullptr, 3, 2));
  EXPECT_THROW(srpo->train_step("policy", 0), std::logic_error);
  EXPECT_EQ(srpo->policy()->act(torch::zeros({5, 3})).sizes(), (std::vector<int64_t>{5, 2}));
  try {
    config_from_yaml("srpo", "policy:\n  weighting: vds\n");
    FAIL() << "unknown weighting accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("key 'srpo.policy.weighting'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace grl::baselines
