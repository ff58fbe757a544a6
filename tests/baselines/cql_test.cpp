// CQL: the logsumexp penalty on hand-made tensors (with and without importance sampling, with a
// temperature), the Lagrange multiplier's direction, and the two-mode bandit: the penalty pushes Q
// down where the data has no actions and the policy picks the rewarded mode; config errors.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "baselines/cql/cql.h"
#include "baseline_problems.h"

namespace grl::baselines {
namespace {

using namespace test_problems;

// One state, one sample of each kind, two action dims.
CqlSampledQ cql_hand_made_samples() {
  CqlSampledQ s;
  s.random = torch::tensor({{1.0}}, torch::kFloat64);
  s.current = torch::tensor({{0.0}}, torch::kFloat64);
  s.current_log_prob = torch::tensor({{-1.0}}, torch::kFloat64);
  s.next = torch::tensor({{2.0}}, torch::kFloat64);
  s.next_log_prob = torch::tensor({{0.5}}, torch::kFloat64);
  return s;
}

TEST(CqlPenalty, ImportanceSampledLogsumexpSubtractsTheSamplingLogDensities) {
  const auto sampled = cql_hand_made_samples();
  const auto q_data = torch::tensor({0.5}, torch::dtype(torch::kFloat64).requires_grad(true));
  // random: 1 - log(0.5^2) = 1 + 2 log 2; next: 2 - 0.5; current: 0 - (-1)
  const double x[] = {1 + 2 * std::log(2.0), 1.5, 1.0};
  const double lse = std::log(std::exp(x[0]) + std::exp(x[1]) + std::exp(x[2]));
  EXPECT_NEAR(cql_logsumexp(q_data, sampled, 2, 1.0, true).item<double>(), lse, 1e-12);
  const auto gap = cql_gap(q_data, sampled, 2, 1.0, true);
  EXPECT_NEAR(gap.item<double>(), lse - 0.5, 1e-12);
  gap.backward();
  EXPECT_NEAR(q_data.grad().item<double>(), -1.0, 1e-12);  // the data's Q is pushed up
  // Temperature T: T logsumexp(x / T).
  const double t = 2.0;
  const double lse_t = t * std::log(std::exp(x[0] / t) + std::exp(x[1] / t) + std::exp(x[2] / t));
  EXPECT_NEAR(cql_logsumexp(q_data, sampled, 2, t, true).item<double>(), lse_t, 1e-12);
}

TEST(CqlPenalty, WithoutImportanceSamplingTheDataActionJoinsTheLogsumexp) {
  const auto sampled = cql_hand_made_samples();
  const auto q_data = torch::tensor({0.5}, torch::dtype(torch::kFloat64).requires_grad(true));
  const double z = std::exp(1.0) + std::exp(0.5) + std::exp(2.0) + std::exp(0.0);
  const auto gap = cql_gap(q_data, sampled, 2, 1.0, false);
  EXPECT_NEAR(gap.item<double>(), std::log(z) - 0.5, 1e-12);
  gap.backward();
  // d/dq_data (logsumexp - q_data) = softmax weight of q_data - 1
  EXPECT_NEAR(q_data.grad().item<double>(), std::exp(0.5) / z - 1, 1e-12);
}

TEST(CqlPenalty, GradientsReachTheSampledQsButNotTheLogProbabilities) {
  auto sampled = cql_hand_made_samples();
  for (auto* t : {&sampled.random, &sampled.current, &sampled.next, &sampled.current_log_prob, &sampled.next_log_prob})
    t->set_requires_grad(true);
  const auto gap = cql_gap(torch::tensor({0.5}, torch::kFloat64), sampled, 2, 1.0, true);
  gap.backward();
  // Each sampled Q gets its softmax weight; the three weights sum to one.
  const double total = sampled.random.grad().item<double>() + sampled.current.grad().item<double>() +
                       sampled.next.grad().item<double>();
  EXPECT_NEAR(total, 1.0, 1e-12);
  EXPECT_FALSE(sampled.current_log_prob.grad().defined());
  EXPECT_FALSE(sampled.next_log_prob.grad().defined());
  EXPECT_THROW(cql_gap(torch::tensor({0.5, 1.0}, torch::kFloat64), sampled, 2, 1.0, true), std::invalid_argument);
}

std::string cql_toy_yaml(int steps, double cql_alpha) {
  return "steps: " + std::to_string(steps) + "\ncql_alpha: " + std::to_string(cql_alpha) +
         "\nbatch_size: 128\npolicy_lr: 3e-3\nqf_lr: 3e-3\nalpha_lr: 3e-3\ntarget_update_rate: 0.05\n"
         "actor: {hidden: [64, 64]}\ncritic: {hidden: [64, 64]}\n";
}

TEST(Cql, PenaltyPushesQDownWhereTheDataHasNoActions) {
  // Two-mode bandit: data only near -0.6 (reward 0) and +0.6 (reward 1). The penalty pushes Q
  // down at the sampled actions and up at the data's, so Q between the modes, where the data has
  // no actions, ends below both; without it (cql_alpha 0, plain SAC) nothing holds it down there.
  OneTorchThread one_thread;
  const auto data = two_mode_bandit(1024, 1);
  const auto actions = torch::tensor({0.6f, -0.6f, 0.0f}).unsqueeze(1);
  torch::manual_seed(2);
  auto algo = make_algorithm("cql", cql_toy_yaml(300, 5.0), toy_context(&data, 1, 1));
  train_all_stages(*algo);
  const auto q = dynamic_cast<Cql&>(*algo).q->min_q(torch::zeros({3, 1}), actions).detach();
  torch::manual_seed(2);
  auto sac = make_algorithm("cql", cql_toy_yaml(300, 0.0), toy_context(&data, 1, 1));
  train_all_stages(*sac);
  const auto q_sac = dynamic_cast<Cql&>(*sac).q->min_q(torch::zeros({3, 1}), actions).detach();
  std::printf("Q(+0.6), Q(-0.6), Q(0, no data): cql %.3f %.3f %.3f; cql_alpha 0: %.3f %.3f %.3f\n", q[0].item<double>(),
              q[1].item<double>(), q[2].item<double>(), q_sac[0].item<double>(), q_sac[1].item<double>(),
              q_sac[2].item<double>());
  EXPECT_GT(q[0].item<double>() - q[1].item<double>(), 0.5);  // the rewarded mode is worth more
  EXPECT_LT(q[2].item<double>(), q[1].item<double>() - 1.0);  // far below every action the data holds
  EXPECT_GT(q_sac[2].item<double>(), q_sac[1].item<double>() - 0.5);
}

TEST(Cql, PolicyApproachesTheBestActionOfTheQuadraticBandit) {
  // Uniform behaviour actions, reward 1 - |a - a*(s)|^2: the conservative Q keeps the ordering of
  // the rewards, so the SAC actor's tanh(mean) goes to a*(s); cloning the behaviour would give 0.
  OneTorchThread one_thread;
  const auto data = quadratic_bandit(4096, 1);
  torch::manual_seed(2);
  auto algo = make_algorithm("cql", cql_toy_yaml(500, 5.0), toy_context(&data, 2, 2));
  train_all_stages(*algo);
  const auto g = torch::linspace(-1, 1, 21);
  const auto states = torch::stack({g.repeat_interleave(21), g.repeat(21)}, 1);
  const double distance = (algo->policy()->act(states) - quadratic_best_action(states)).square().sum(1).mean().item<double>();
  const double cloning = quadratic_best_action(states).square().sum(1).mean().item<double>();  // actions 0
  std::printf("|pi - a*|^2: cql %.4f, behaviour mean %.4f\n", distance, cloning);
  EXPECT_LT(distance, 0.2 * cloning);
}

TEST(Cql, LagrangeMultiplierGrowsWhileTheGapExceedsTheTarget) {
  const auto data = two_mode_bandit(256, 3);
  torch::manual_seed(4);
  // A huge target gap can never be reached from below: alpha' must shrink; a very negative one is
  // always exceeded: alpha' must grow.
  for (const double gap : {-100.0, 100.0}) {
    auto algo = make_algorithm("cql", "steps: 20\nbatch_size: 32\nlagrange: true\ntarget_action_gap: " +
                                          std::to_string(gap) + "\nactor: {hidden: [16]}\ncritic: {hidden: [16]}\n",
                               toy_context(&data, 1, 1));
    auto& cql = dynamic_cast<Cql&>(*algo);
    const double before = cql.alpha_prime();
    EXPECT_NEAR(before, std::exp(1.0), 1e-6);
    train_all_stages(*algo);
    if (gap < 0) EXPECT_GT(cql.alpha_prime(), before) << gap;
    else EXPECT_LT(cql.alpha_prime(), before) << gap;
  }
}

TEST(Cql, EveryOptionTrainsWithFiniteLosses) {
  const auto data = random_transitions(128, 3, 2, 5);
  for (const char* options : {"importance_sample: false\ntemperature: 2\n", "max_target_backup: true\nbackup_entropy: true\n",
                              "bc_steps: 2\nautotune_alpha: false\nalpha_multiplier: 0.2\n", "orthogonal_init: false\n"}) {
    auto algo = make_algorithm("cql", std::string("steps: 4\nbatch_size: 16\nn_actions: 3\nactor: {hidden: [16]}\n"
                                                  "critic: {hidden: [16]}\n") + options,
                               toy_context(&data, 3, 2));
    for (int64_t step = 0; step < 4; ++step) {
      const auto m = algo->train_step("train", step);
      for (const auto& [name, value] : m) EXPECT_TRUE(std::isfinite(value)) << options << name;
    }
  }
}

TEST(Cql, StartsLikeCorl) {
  auto algo = make_algorithm("cql", "", toy_context(nullptr, 5, 3));
  auto& cql = dynamic_cast<Cql&>(*algo);
  EXPECT_EQ(cql.alpha(), 1.0);
  EXPECT_EQ(cql.target_entropy(), -3.0);
  // Orthogonal hidden layers: W W^T = 2 I for the square 256 x 256 layer.
  const auto w = cql.q->q1->named_parameters()["linear1.weight"];
  EXPECT_TRUE(torch::allclose(w.matmul(w.t()), 2 * torch::eye(256), 1e-4, 1e-4));
  EXPECT_EQ(cql.q->q1->named_parameters()["linear3.bias"].abs().max().item<double>(), 0.0);
  // The untrained actor: log std -1, near-zero mean.
  const auto [mean, log_std] = cql.actor->forward(torch::randn({4, 5}));
  EXPECT_LT(mean.abs().max().item<double>(), 0.1);
  EXPECT_LT((log_std + 1).abs().max().item<double>(), 0.1);
  EXPECT_THROW(algo->train_step("train", 0), std::logic_error);  // built for acting only
}

TEST(Cql, ConfigErrorsNameTheKey) {
  try {
    config_from_yaml("cql", "n_actions: 0\n");
    FAIL() << "n_actions 0 accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("cql.yaml line 1: key 'cql.n_actions': value '0' is out of range, expected a value >= 1"), std::string::npos) << e.what();
  }
  try {
    config_from_yaml("cql", "cql_min_q_weight: 5\n");
    FAIL() << "unknown key accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown key 'cql.cql_min_q_weight'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace grl::baselines
