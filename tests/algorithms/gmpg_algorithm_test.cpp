// The GMPG algorithm end to end on a tiny synthetic dataset: stages, pi_theta starting as a copy of mu,
// mu and the critic frozen in the policy stage, config errors, and a resumed run that ends
// bit-identical to an uninterrupted one through the common Trainer.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "algorithms/gmpg/gmpg.h"
#include "algorithms/training/algorithm_registry.h"
#include "algorithms/training/trainer.h"
#include "common/config.h"
#include "support/temp_dir.h"

namespace grl::gmpg {
namespace {

datasets::TransitionSet tiny_dataset(const envs::EnvSpec& env, int64_t n = 48) {
  torch::manual_seed(21);
  datasets::TransitionSet d;
  d.observations = torch::randn({n, env.obs_dim});
  d.actions = torch::rand({n, env.act_dim}) * 2 - 1;
  d.rewards = -d.actions.pow(2).sum(1, true);
  d.next_observations = torch::randn({n, env.obs_dim});
  d.dones = torch::zeros({n, 1});
  return d;
}

GmpgConfig tiny_config() {
  GmpgConfig c;
  c.critic.steps = 3;
  c.critic.batch_size = 16;
  c.critic.iql.network.mlp.hidden = {16};
  c.behaviour.steps = 3;
  c.behaviour.batch_size = 16;
  c.behaviour.model.path = "icfm";
  c.behaviour.model.network.name = "mlp";
  c.behaviour.model.network.hidden = {16};
  c.behaviour.model.grid_points = 4;
  c.policy.steps = 4;
  c.policy.batch_size = 8;
  c.policy.lr = 1e-3;
  c.policy.grid_points = 4;
  c.policy.likelihood_grid_points = 3;
  return c;
}

torch::Tensor weights(const torch::nn::Module& m) {
  std::vector<torch::Tensor> parts;
  for (const auto& p : m.parameters()) parts.push_back(p.detach().flatten().clone());
  return torch::cat(parts);
}

TEST(GmpgAlgorithm, StagesCopyAndFreezing) {
  const envs::EnvSpec env = envs::env_spec("hopper");
  const datasets::TransitionSet data = tiny_dataset(env);
  training::AlgorithmContext context{&data, env, torch::kCPU, 7, {}};
  GmpgConfig config = tiny_config();
  config.policy.steps = 0;
  config.policy.epochs = 2;  // 2 * 48 / 8 = 12 steps
  // log pi by the same likelihood ODE as log mu, so that pi = mu gives a KL estimate of exactly zero
  // (the sampler's own density differs from the ODE's estimate by the grids' discretisation error).
  config.policy.log_pi = "likelihood_ode";
  Gmpg algo(config, context);
  const auto stages = algo.stages();
  ASSERT_EQ(stages.size(), 3u);
  EXPECT_EQ(stages[0].name, "critic");
  EXPECT_EQ(stages[1].name, "behaviour");
  EXPECT_EQ(stages[2].name, "policy");
  EXPECT_EQ(stages[2].steps, 12);

  for (int i = 0; i < 3; ++i) algo.train_step("critic", i);
  for (int i = 0; i < 3; ++i) algo.train_step("behaviour", i);
  EXPECT_FALSE(algo.policy_started());
  const torch::Tensor mu = weights(*algo.behaviour());
  const torch::Tensor critic = weights(*algo.critic());
  const training::Metrics m = algo.train_step("policy", 0);
  EXPECT_TRUE(algo.policy_started());
  // The first step starts from pi = mu: the KL estimate is exactly zero there.
  bool found = false;
  for (const auto& [name, value] : m) {
    if (name == "kl_bits") {
      EXPECT_EQ(value, 0.0);
      found = true;
    }
  }
  EXPECT_TRUE(found);
  algo.train_step("policy", 1);
  EXPECT_TRUE(torch::equal(weights(*algo.behaviour()), mu));
  EXPECT_TRUE(torch::equal(weights(*algo.critic()), critic));
  EXPECT_FALSE(torch::equal(weights(*algo.guided_policy()), mu));
  const torch::Tensor actions = algo.policy()->act(torch::randn({5, env.obs_dim}));
  EXPECT_EQ(actions.sizes(), (std::vector<int64_t>{5, env.act_dim}));
  EXPECT_THROW(algo.train_step("warmup", 0), std::invalid_argument);
}

TEST(GmpgAlgorithm, ReinforceEstimatorTrainsThePolicyOnly) {
  const envs::EnvSpec env = envs::env_spec("hopper");
  const datasets::TransitionSet data = tiny_dataset(env);
  GmpgConfig config = tiny_config();
  config.policy.estimator = "reinforce";
  config.policy.weight_clamp = 10;
  Gmpg algo(config, training::AlgorithmContext{&data, env, torch::kCPU, 9, {}});
  algo.train_step("critic", 0);
  algo.train_step("behaviour", 0);
  const torch::Tensor mu = weights(*algo.behaviour());
  const training::Metrics first = algo.train_step("policy", 0);
  const training::Metrics second = algo.train_step("policy", 1);
  double weight_mean = -1;
  for (const auto& [name, value] : first) {
    if (name == "weight_mean") weight_mean = value;
  }
  EXPECT_GT(weight_mean, 0.0);
  EXPECT_LE(weight_mean, 1.0);
  EXPECT_TRUE(torch::equal(weights(*algo.behaviour()), mu));
  EXPECT_FALSE(torch::equal(weights(*algo.guided_policy()), mu));
}

// policy.beta_rule env_return_span: the policy stage uses (and logs) beta times the data's return
// spread over hopper's reference span; as_given keeps beta.
TEST(GmpgAlgorithm, BetaRuleScalesTheWeightOfQ) {
  const envs::EnvSpec env = envs::env_spec("hopper");
  const datasets::TransitionSet data = tiny_dataset(env);
  for (const std::string rule : {"as_given", "env_return_span"}) {
    GmpgConfig config = tiny_config();
    config.policy.beta = 20;
    config.policy.beta_rule = rule;
    training::AlgorithmContext context{&data, env, torch::kCPU, 9, {}};
    context.reward_scaling.kind = datasets::RewardScalingKind::iql_locomotion;
    context.reward_scaling.min_return = 565.15;
    context.reward_scaling.max_return = 683.49;
    Gmpg algo(config, context);
    algo.train_step("critic", 0);
    algo.train_step("behaviour", 0);
    double beta = -1;
    for (const auto& [name, value] : algo.train_step("policy", 0)) {
      if (name == "beta") beta = value;
    }
    EXPECT_NEAR(beta, rule == "as_given" ? 20.0 : 20.0 * 118.34 / 3254.572305, 1e-9) << rule;
  }
}

TEST(GmpgAlgorithm, ConfigErrorsNameTheKey) {
  try {
    config::parse<GmpgConfig>(config::load_text("policy:\n  estimator: magic\n", "gmpg.yaml"));
    FAIL();
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("policy.estimator"), std::string::npos) << e.what();
  }
  try {
    config::parse<GmpgConfig>(config::load_text("policy:\n  grid_point: 10\n", "gmpg.yaml"));
    FAIL();
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("grid_point"), std::string::npos) << e.what();
  }
  try {
    config::parse<GmpgConfig>(config::load_text("policy:\n  beta_rule: d4rl\n", "gmpg.yaml"));
    FAIL();
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("policy.beta_rule"), std::string::npos) << e.what();
  }
}

TEST(GmpgAlgorithm, RegisteredAndResumesBitIdentically) {
  ASSERT_TRUE(training::algorithm_registry().contains("gmpg"));
  const envs::EnvSpec env = envs::env_spec("hopper");
  const datasets::TransitionSet data = tiny_dataset(env);
  training::AlgorithmContext context{&data, env, torch::kCPU, 3, {}};
  grl::testing::TempDir dir;
  training::TrainerConfig trainer;
  trainer.log_every = 1;
  trainer.checkpoint_every = 2;

  torch::manual_seed(1);
  Gmpg straight(tiny_config(), context);
  training::Trainer(straight, RunDirectory::create(dir.path(), "straight"), trainer, "algo: gmpg\n").run();

  torch::manual_seed(1);
  auto run = RunDirectory::create(dir.path(), "resumed");
  int calls = 0;
  {
    Gmpg first(tiny_config(), context);
    // Stop in the middle of the policy stage (global step 3 + 3 + 2).
    const auto outcome =
        training::Trainer(first, run, trainer, "algo: gmpg\n").run([&] { return ++calls == 8; });
    EXPECT_EQ(outcome, training::TrainOutcome::interrupted);
  }
  torch::manual_seed(1234);
  Gmpg second(tiny_config(), context);
  EXPECT_EQ(training::Trainer(second, RunDirectory::open(run.path()), trainer, "algo: gmpg\n").run(),
            training::TrainOutcome::finished);
  EXPECT_TRUE(second.policy_started());
  EXPECT_TRUE(torch::equal(weights(*second.guided_policy()), weights(*straight.guided_policy())));
  EXPECT_TRUE(torch::equal(weights(*second.behaviour()), weights(*straight.behaviour())));
  EXPECT_TRUE(torch::equal(weights(*second.critic()), weights(*straight.critic())));
}


// The guard a policy step passes before the optimiser steps: finite loss and gradient, and likelihood
// estimates that can be densities of actions near [-1, 1]^A. The diverged case is the one a CPU run
// on hopper-medium-native-v0 reached (log pi -6.1e16 bits while the loss stayed finite).
TEST(GmpgPolicyStepCheck, RejectsNonFiniteStepsAndDivergedLikelihoods) {
  PolicyGradientStats ok;
  ok.loss = -546.76;
  ok.log_pi_bits = 0.79;
  ok.log_mu_bits = -6.71;
  EXPECT_NO_THROW(check_policy_step(50, ok, 23.6));

  auto message = [](std::int64_t step, const PolicyGradientStats& stats, double grad_norm) {
    try {
      check_policy_step(step, stats, grad_norm);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  PolicyGradientStats diverged = ok;
  diverged.log_pi_bits = -6.1478660091150336e16;
  const std::string pi = message(150, diverged, 6.4e18);
  EXPECT_NE(pi.find("policy step 150"), std::string::npos) << pi;
  EXPECT_NE(pi.find("log pi = -61478660091150336"), std::string::npos) << pi;
  EXPECT_NE(pi.find("likelihood_grid_points"), std::string::npos) << pi;

  PolicyGradientStats mu = ok;
  mu.log_mu_bits = 1000.5;
  EXPECT_NE(message(7, mu, 1.0).find("log mu = 1000.5"), std::string::npos);
  PolicyGradientStats at_limit = ok;
  at_limit.log_mu_bits = -kMaxLikelihoodBits;
  EXPECT_NO_THROW(check_policy_step(7, at_limit, 1.0));

  PolicyGradientStats nan_bits = ok;
  nan_bits.log_pi_bits = std::nan("");
  EXPECT_NE(message(3, nan_bits, 1.0).find("log pi = nan"), std::string::npos);
  PolicyGradientStats nan_loss = ok;
  nan_loss.loss = std::nan("");
  EXPECT_NE(message(97, nan_loss, 1.0).find("non-finite loss"), std::string::npos);
  EXPECT_NE(message(97, ok, std::numeric_limits<double>::infinity()).find("gradient norm (inf)"), std::string::npos);
}

}  // namespace
}  // namespace grl::gmpg
