// TD3+BC: lambda, the actor loss, the target policy smoothing and the twin critic loss on hand-made
// tensors; a one-step problem whose best action is known, where the Q term moves the actor from
// the behaviour's mean towards it by the amount lambda sets; the policy delay; config errors.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "baselines/td3_bc/td3_bc.h"
#include "baseline_problems.h"

namespace grl::baselines {
namespace {

using namespace test_problems;

TEST(Td3BcLosses, LambdaIsAlphaOverMeanAbsoluteQDetached) {
  const auto q = torch::tensor({1.0f, -3.0f, 2.0f}, torch::requires_grad());
  const auto lambda = td3_bc_lambda(q, 2.5);
  EXPECT_NEAR(lambda.item<double>(), 2.5 / 2.0, 1e-6);  // mean |q| = 2
  EXPECT_FALSE(lambda.requires_grad());
}

TEST(Td3BcLosses, ActorLossIsMinusLambdaMeanQPlusMse) {
  const auto q = torch::tensor({1.0f, -3.0f, 2.0f}, torch::requires_grad());
  const auto pi = torch::tensor({{0.5f}, {0.0f}, {-0.5f}}, torch::requires_grad());
  const auto a = torch::tensor({{0.0f}, {0.0f}, {0.5f}});
  const auto loss = td3_bc_actor_loss(q, pi, a, 2.5);
  // -1.25 * mean(q) + mean((pi - a)^2) = -1.25 * 0 + (0.25 + 0 + 1) / 3
  EXPECT_NEAR(loss.item<double>(), 1.25 / 3, 1e-6);
  loss.backward();
  // lambda is a constant: d/dq = -lambda / B; d/dpi = 2 (pi - a) / B.
  EXPECT_TRUE(torch::allclose(q.grad(), torch::full({3}, -1.25f / 3)));
  EXPECT_TRUE(torch::allclose(pi.grad(), torch::tensor({{1.0f / 3}, {0.0f}, {-2.0f / 3}})));
  // alpha 0: plain behaviour cloning.
  EXPECT_NEAR(td3_bc_actor_loss(q, pi, a, 0.0).item<double>(), 1.25 / 3, 1e-6);
}

TEST(Td3BcLosses, TargetSmoothingClipsTheNoiseThenTheAction) {
  const auto target = torch::tensor({0.0f, 0.9f, -0.2f, 0.3f});
  const auto eps = torch::tensor({1.0f, 1.0f, -5.0f, 0.0f});
  const auto smoothed = smoothed_target_actions(target, eps, 0.2, 0.5);
  // noise 0.2, 0.2, clip(-1.0) = -0.5, 0 -> 0.2, clip(1.1) = 1, -0.7, 0.3
  EXPECT_TRUE(torch::allclose(smoothed, torch::tensor({0.2f, 1.0f, -0.7f, 0.3f}))) << smoothed;
}

TEST(Td3BcLosses, TwinQLossSumsTheHeads) {
  const auto q1 = torch::tensor({1.0f, 2.0f}), q2 = torch::tensor({0.0f, 4.0f});
  const auto y = torch::tensor({{1.0f}, {3.0f}});
  // MSE(q1, y) = (0 + 1) / 2, MSE(q2, y) = (1 + 1) / 2
  EXPECT_NEAR(twin_q_loss(q1, q2, y).item<double>(), 1.5, 1e-6);
  EXPECT_THROW(twin_q_loss(q1, q2, torch::ones({3})), std::invalid_argument);
}

TEST(Td3Bc, ActorUpdatesEveryPolicyDelaySteps) {
  const auto data = random_transitions(64, 3, 2, 1);
  auto algo = make_algorithm("td3_bc", "steps: 6\nbatch_size: 16\npolicy_delay: 3\nactor: {hidden: [8]}\ncritic: {hidden: [8]}\n",
                             toy_context(&data, 3, 2));
  auto& td3 = dynamic_cast<Td3Bc&>(*algo);
  auto snapshot = [](torch::nn::Module& m) {
    std::vector<torch::Tensor> out;
    for (const auto& p : m.parameters()) out.push_back(p.detach().clone());
    return out;
  };
  auto same = [](const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!torch::equal(a[i], b[i])) return false;
    return true;
  };
  for (int64_t step = 0; step < 6; ++step) {
    const auto actor_before = snapshot(*td3.actor), target_before = snapshot(*td3.q_target);
    const auto m = td3.train_step("train", step);
    const bool update = (step + 1) % 3 == 0;
    EXPECT_EQ(!same(actor_before, snapshot(*td3.actor)), update) << "step " << step;
    EXPECT_EQ(!same(target_before, snapshot(*td3.q_target)), update) << "step " << step;
    EXPECT_TRUE(std::isfinite(metric(m, "critic_loss")));
  }
}

// The mean action of a deterministic policy over a grid of states, and its distance to a*(s).
std::pair<double, double> td3_bc_fit(training::Algorithm& algo) {
  const auto g = torch::linspace(-1, 1, 21);
  const auto states = torch::stack({g.repeat_interleave(21), g.repeat(21)}, 1);
  const auto actions = algo.policy()->act(states);
  return {actions.select(1, 0).mean().item<double>(),
          (actions - quadratic_best_action(states)).square().sum(1).mean().item<double>()};
}

TEST(Td3Bc, QTermMovesTheActorFromTheBehaviourMeanTowardsTheBestAction) {
  // Behaviour: uniform actions (mean 0); best action a*(s) = (0.5, -0.5 s_0); Q ~ 1 - |a - a*|^2.
  // With lambda = alpha / mean|Q| ~ alpha (|Q| ~ 1 near a*), the actor minimises
  // -lambda Q(pi) + mean (pi - a)^2, i.e. pi = (lambda a* + mean a) / (lambda + 1) ~ (2.5 / 3.5) a*:
  // first action component about 0.36. alpha 0 is plain behaviour cloning: about 0.
  OneTorchThread one_thread;
  const auto data = quadratic_bandit(4096, 1);
  auto yaml = [](int steps, double alpha) {
    return "steps: " + std::to_string(steps) + "\nalpha: " + std::to_string(alpha) +
           "\nbatch_size: 128\nactor_lr: 1e-3\ncritic_lr: 1e-3\ntarget_update_rate: 0.05\n"
           "actor: {hidden: [64, 64]}\ncritic: {hidden: [64, 64]}\n";
  };
  torch::manual_seed(2);
  auto td3 = make_algorithm("td3_bc", yaml(1000, 2.5), toy_context(&data, 2, 2));
  train_all_stages(*td3);
  const auto [mean_action, distance] = td3_bc_fit(*td3);
  torch::manual_seed(2);
  auto bc = make_algorithm("td3_bc", yaml(300, 0.0), toy_context(&data, 2, 2));
  train_all_stages(*bc);
  const auto [bc_mean_action, bc_distance] = td3_bc_fit(*bc);
  std::printf("first action component: td3+bc %.3f (expected ~0.36), alpha 0 %.3f; |pi - a*|^2 %.3f vs %.3f\n",
              mean_action, bc_mean_action, distance, bc_distance);
  EXPECT_GT(mean_action, 0.25);
  EXPECT_LT(mean_action, 0.48);
  EXPECT_LT(std::abs(bc_mean_action), 0.1);
  EXPECT_LT(distance, 0.5 * bc_distance);
}

TEST(Td3Bc, ActingOnlyBuildRefusesToTrainButActs) {
  auto algo = make_algorithm("td3_bc", "", toy_context(nullptr, 3, 2));
  EXPECT_THROW(algo->train_step("train", 0), std::logic_error);
  EXPECT_EQ(algo->policy()->act(torch::zeros({5, 3})).sizes(), (std::vector<int64_t>{5, 2}));
}

TEST(Td3Bc, ConfigErrorsNameTheKey) {
  try {
    config_from_yaml("td3_bc", "alpah: 2.5\n");
    FAIL() << "unknown key accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown key 'td3_bc.alpah' (did you mean 'td3_bc.alpha'?)"), std::string::npos)
        << e.what();
  }
  try {
    config_from_yaml("td3_bc", "policy_delay: 0\n");
    FAIL() << "policy_delay 0 accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("key 'td3_bc.policy_delay'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace grl::baselines
