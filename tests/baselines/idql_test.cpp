// IDQL: the per-state selection among N candidates on hand-made tensors (argmax, and softmax
// frequencies against their probabilities); trained on the two-mode bandit it acts on the rewarded
// side in every state where its behaviour model keeps both modes; on the quadratic bandit (uniform behaviour) the kept
// candidate tracks each state's own best action; config errors name the key.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "baselines/idql/idql.h"
#include "common/config.h"
#include "baseline_problems.h"

namespace grl::baselines {
namespace {

using namespace test_problems;

TEST(IdqlSelection, ArgmaxKeepsEachStatesOwnBestCandidate) {
  // Two states, three 2-D candidates each; the best candidate is a different index in each state.
  const auto candidates = torch::tensor({{{0.1, 0.1}, {0.2, 0.2}, {0.3, 0.3}},
                                         {{-0.1, -0.1}, {-0.2, -0.2}, {-0.3, -0.3}}});
  const auto q = torch::tensor({{0.0, 5.0, 1.0}, {7.0, 0.0, 6.9}});
  const auto a = select_candidates(candidates, q, SelectionRule::argmax, 1.0);
  EXPECT_TRUE(torch::equal(a, torch::tensor({{0.2, 0.2}, {-0.1, -0.1}})));
  // A tiny temperature makes softmax selection the argmax.
  EXPECT_TRUE(torch::equal(select_candidates(candidates, q, SelectionRule::softmax, 1e-4), a));
  EXPECT_THROW(select_candidates(candidates, q.narrow(1, 0, 2), SelectionRule::argmax, 1.0), std::invalid_argument);
}

TEST(IdqlSelection, SoftmaxDrawsWithTheStatesOwnProbabilities) {
  // Candidates carry their own index, so the chosen value says which one was drawn.
  const auto candidates = torch::arange(3, torch::kFloat64).view({1, 3, 1}).repeat({2, 1, 1});
  const auto q = torch::tensor({{0.0, 1.0, 2.0}, {2.0, 2.0, -50.0}}, torch::kFloat64);
  const int n = 20000;
  at::Generator g = at::detail::createCPUGenerator(5);
  std::vector<std::vector<int>> counts(2, std::vector<int>(3, 0));
  const auto qs = q.repeat({n, 1});
  const auto chosen = select_candidates(candidates.repeat({n, 1, 1}), qs, SelectionRule::softmax, 2.0, 1, g);
  for (int64_t r = 0; r < 2 * n; ++r) ++counts[r % 2][static_cast<int>(chosen[r][0].item<double>())];
  // softmax(q / 2): state 0 -> (1, e^0.5, e^1)/z; state 1 -> (1/2, 1/2, ~0).
  const double z = 1 + std::exp(0.5) + std::exp(1.0);
  const double p0[3] = {1 / z, std::exp(0.5) / z, std::exp(1.0) / z};
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(counts[0][k] / double(n), p0[k], 4 * std::sqrt(p0[k] * (1 - p0[k]) / n)) << k;
  EXPECT_NEAR(counts[1][0] / double(n), 0.5, 4 * std::sqrt(0.25 / n));
  EXPECT_EQ(counts[1][2], 0);
}

TEST(IdqlSelection, SeveralKeptCandidatesAreAveraged) {
  // One state, four 1-D candidates 0, 1, 2, 3 with Q 3, 0, 2, 1: the two best are 0 and 2.
  const auto candidates = torch::arange(4, torch::kFloat64).view({1, 4, 1});
  const auto q = torch::tensor({{3.0, 0.0, 2.0, 1.0}}, torch::kFloat64);
  EXPECT_DOUBLE_EQ(select_candidates(candidates, q, SelectionRule::argmax, 1.0, 2)[0][0].item<double>(), 1.0);
  EXPECT_DOUBLE_EQ(select_candidates(candidates, q, SelectionRule::argmax, 1.0, 3)[0][0].item<double>(), 5.0 / 3);
  // Drawn without replacement: a tiny temperature keeps the top two, k = N keeps them all.
  EXPECT_DOUBLE_EQ(select_candidates(candidates, q, SelectionRule::softmax, 1e-4, 2)[0][0].item<double>(), 1.0);
  EXPECT_DOUBLE_EQ(select_candidates(candidates, q, SelectionRule::softmax, 1.0, 4)[0][0].item<double>(), 1.5);
  try {
    select_candidates(candidates, q, SelectionRule::argmax, 1.0, 5);
    FAIL() << "five of four candidates kept";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("select_count 5 must lie in [1, 4]"), std::string::npos) << e.what();
  }
}

TEST(BehaviourModelSchedule, CosineScheduleAnnealsTheLearningRateOverTheSteps) {
  OneTorchThread one_thread;
  const auto data = two_mode_bandit(64, 1);
  BehaviourModelConfig config = config::parse<BehaviourModelConfig>(config::load_text(
      "{steps: 4, batch_size: 16, lr: 0.01, cosine_schedule: true, model: {network: {name: mlp, hidden: [8]}}}", "test"));
  BehaviourModel model(config, 1, 1, &data, 7, torch::kCPU);
  for (int k = 0; k < 4; ++k) {
    const auto metrics = model.step();
    double lr = -1;
    for (const auto& [name, value] : metrics)
      if (name == "behaviour_lr") lr = value;
    EXPECT_NEAR(lr, 0.01 * 0.5 * (1 + std::cos(M_PI * k / 4)), 1e-15) << k;
  }
}

const char* kIdqlToyYaml =
    "critic: {steps: 400, batch_size: 128, iql: {q_lr: 3e-3, v_lr: 3e-3, target_update_rate: 0.05, network: {mlp: {hidden: [64, 64]}}}}\n"
    "behaviour: {steps: 1500, batch_size: 128, lr: 3e-3, ema_rate: 0.05, model: {network: {name: mlp, hidden: [64, 64]}}}\n"
    "samples: 32\n";

TEST(Idql, TwoModeBanditActsOnTheRewardedModeWhereTheBehaviourKeepsBoth) {
  OneTorchThread one_thread;
  const auto data = two_mode_bandit(1024, 1);
  torch::manual_seed(2);
  auto idql = make_algorithm("idql", kIdqlToyYaml, toy_context(&data, 1, 1));
  train_all_stages(*idql);
  auto& algo = dynamic_cast<Idql&>(*idql);
  torch::manual_seed(3);
  const auto states = torch::linspace(-1, 1, 400).unsqueeze(1);
  // The behaviour model alone keeps both modes...
  torch::Tensor behaviour;
  {
    torch::NoGradGuard no_grad;
    behaviour = algo.behaviour().acting_model()->act(states);
  }
  const double behaviour_good = (behaviour > 0).to(torch::kFloat64).mean().item<double>();
  EXPECT_GT(behaviour_good, 0.3);
  EXPECT_LT(behaviour_good, 0.7);
  // ...while the policy keeps a candidate of the rewarded mode in every state.
  EXPECT_GT(idql->policy()->act(states).min().item<double>(), 0.2);
}

TEST(Idql, KeptCandidateTracksEachStatesBestAction) {
  OneTorchThread one_thread;
  const auto data = quadratic_bandit(2048, 4);
  torch::manual_seed(5);
  auto idql = make_algorithm("idql", std::string(kIdqlToyYaml) + "selection: argmax\n", toy_context(&data, 2, 2));
  train_all_stages(*idql);
  torch::manual_seed(6);
  const auto states = torch::rand({300, 2}) * 1.6 - 0.8;
  const auto actions = idql->policy()->act(states);
  const auto best = quadratic_best_action(states);
  // Mis-paired states and candidates would leave the second coordinate uncorrelated with -s_0 / 2.
  const double error = (actions - best).norm(2, 1).mean().item<double>();
  EXPECT_LT(error, 0.25);
  const auto second = actions.select(1, 1), target = best.select(1, 1);
  const double corr = ((second - second.mean()) * (target - target.mean())).mean().item<double>() /
                      (second.std(false) * target.std(false)).item<double>();
  EXPECT_GT(corr, 0.8);
}

TEST(Idql, ActingOnlyBuildRefusesToTrainButActs) {
  auto idql = make_algorithm("idql", "samples: 4\nbehaviour: {model: {network: {name: mlp, hidden: [8]}}}\n",
                             toy_context(nullptr, 3, 2));
  EXPECT_THROW(idql->train_step("critic", 0), std::logic_error);
  const auto a = idql->policy()->act(torch::zeros({5, 3}));
  EXPECT_EQ(a.sizes(), (std::vector<int64_t>{5, 2}));
  EXPECT_TRUE((a.abs() <= 1).all().item<bool>());
}

TEST(Idql, ConfigErrorsNameTheKey) {
  try {
    config_from_yaml("idql", "selection: best\n");
    FAIL() << "unknown selection accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("key 'idql.selection'"), std::string::npos) << e.what();
  }
  try {
    config_from_yaml("idql", "behaviour:\n  model:\n    solverr: ddpm\n");
    FAIL() << "unknown key accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown key 'idql.behaviour.model.solverr'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace grl::baselines
