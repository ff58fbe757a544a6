#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cmath>
#include <fstream>

#include "algorithms/gmpo/gmpo.h"
#include "algorithms/training/trainer.h"
#include "support/temp_dir.h"

namespace grl::gmpo {
namespace {

TEST(GmpoWeights, ExponentiatedAdvantageClampedAtCWithoutGradient) {
  const auto q = torch::tensor({0.0, 1.0, 10.0, -1.0, 500.0}, torch::dtype(torch::kFloat64).requires_grad(true));
  const auto v = torch::zeros({5}, torch::kFloat64);
  const auto w = advantage_weights(q, v, 2.0, 100.0);
  EXPECT_FALSE(w.requires_grad());
  EXPECT_NEAR(w[0].item<double>(), 1.0, 1e-12);
  EXPECT_NEAR(w[1].item<double>(), std::exp(2.0), 1e-9);
  EXPECT_EQ(w[2].item<double>(), 100.0);            // e^20 clamped to C
  EXPECT_NEAR(w[3].item<double>(), std::exp(-2.0), 1e-12);
  EXPECT_EQ(w[4].item<double>(), 100.0);            // exp overflows to inf: still C, never NaN
  // The advantage is Q - V: shifting both changes nothing; beta 0 gives the unweighted loss.
  EXPECT_TRUE(torch::allclose(advantage_weights(q + 3, v + 3, 2.0, 100.0), w));
  EXPECT_TRUE(torch::equal(advantage_weights(q, v, 0.0, 100.0), torch::ones({5}, torch::kFloat64)));
}

TEST(GmpoWeights, SoftmaxOverCandidatesSumsToOnePerState) {
  const auto q = torch::tensor({{0.0, 1.0, 2.0}, {5.0, 5.0, 5.0}});
  const auto w = softmax_weights(q, 1.5);
  EXPECT_TRUE(torch::allclose(w.sum(1), torch::ones({2})));
  const double z = 1 + std::exp(1.5) + std::exp(3.0);
  EXPECT_NEAR(w[0][2].item<double>(), std::exp(3.0) / z, 1e-6);
  EXPECT_NEAR(w[1][0].item<double>(), 1.0 / 3, 1e-6);
}

TEST(GmpoSchedule, EpochsBecomeStepsFromTheDatasetSize) {
  EXPECT_EQ(stage_steps(1, 0, 1000, 256), 4);     // ceil(1000 / 256)
  EXPECT_EQ(stage_steps(10000, 0, 1000000, 4096), 2441407);  // ceil(1e10 / 4096)
  EXPECT_EQ(stage_steps(2, 0, 512, 256), 4);
  EXPECT_EQ(stage_steps(0.001, 0, 100, 256), 1);  // at least one step
  EXPECT_EQ(stage_steps(5000, 77, 1000000, 4096), 77);  // steps override epochs
}

envs::EnvSpec toy_spec(int obs_dim, int act_dim) {
  return envs::EnvSpec{"toy", "Toy", obs_dim, act_dim, 1, 1, 0.01, 1, 0.0, 1.0};
}

// One-step offline problem: the state is uniform in [-1, 1]; the data's actions come from two modes,
// -0.6 (reward 0) and +0.6 (reward 1), in equal parts; every transition ends the episode.
datasets::TransitionSet two_mode_data(int64_t n, std::uint64_t seed) {
  torch::manual_seed(seed);
  datasets::TransitionSet set;
  set.observations = torch::rand({n, 1}) * 2 - 1;
  set.next_observations = set.observations.clone();
  const auto good = (torch::arange(n) % 2 == 0).to(torch::kFloat32).unsqueeze(1);
  set.actions = (good * 1.2f - 0.6f) + 0.05f * torch::randn({n, 1});
  set.rewards = good.clone();
  set.dones = torch::ones({n, 1});
  return set;
}

GmpoConfig toy_config(const std::string& path, const std::string& model_type, const std::string& loss) {
  GmpoConfig config;
  config.critic.steps = 300;
  config.critic.batch_size = 256;
  config.critic.iql.network.mlp.hidden = {64, 64};
  config.critic.iql.q_lr = 3e-3;
  config.critic.iql.v_lr = 3e-3;
  config.critic.iql.target_update_rate = 0.05;
  config.policy.steps = 800;
  config.policy.batch_size = 256;
  config.policy.lr = 3e-3;
  config.policy.beta = 10.0;
  config.policy.clamp = 100.0;
  config.policy.model.path = path;
  config.policy.model.model_type = model_type;
  config.policy.model.loss = loss;
  config.policy.model.grid_points = 32;
  config.policy.model.network.name = "mlp";
  config.policy.model.network.hidden = {64, 64};
  return config;
}

training::AlgorithmContext toy_context(const datasets::TransitionSet& data) {
  training::AlgorithmContext context;
  context.data = &data;
  context.env = toy_spec(1, 1);
  context.seed = 7;
  return context;
}

void train(Gmpo& gmpo) {
  for (const auto& stage : gmpo.stages())
    for (int64_t step = 0; step < stage.steps; ++step) gmpo.train_step(stage.name, step);
}

// Fraction of sampled actions in the better (positive) mode, over states spread across [-1, 1].
double good_mode_fraction(Gmpo& gmpo) {
  torch::manual_seed(123);
  const auto states = torch::linspace(-1, 1, 1000).unsqueeze(1);
  const auto actions = gmpo.policy()->act(states);
  return (actions > 0).to(torch::kFloat64).mean().item<double>();
}

struct PathCase {
  const char* path;
  const char* model_type;
  const char* loss;
};
void PrintTo(const PathCase& c, std::ostream* out) { *out << c.path << "/" << c.model_type << "/" << c.loss; }

class GmpoTwoModes : public ::testing::TestWithParam<PathCase> {};

TEST_P(GmpoTwoModes, WeightedModelMovesToTheBetterModeUnweightedKeepsBoth) {
  const auto c = GetParam();
  const auto data = two_mode_data(1024, 1);
  torch::manual_seed(2);
  Gmpo weighted(toy_config(c.path, c.model_type, c.loss), toy_context(data));
  train(weighted);
  // The critic learned the bandit: Q(+) ~ 1, Q(-) ~ 0, so the better mode has the larger advantage.
  const auto s = torch::zeros({2, 1});
  const auto adv = weighted.critic()->advantage(s, torch::tensor({0.6f, -0.6f}).unsqueeze(1));
  EXPECT_GT(adv[0].item<double>() - adv[1].item<double>(), 0.8);
  const double weighted_fraction = good_mode_fraction(weighted);
  EXPECT_GE(weighted_fraction, 0.9) << c.path;

  auto unweighted_config = toy_config(c.path, c.model_type, c.loss);
  unweighted_config.policy.beta = 0.0;  // w = 1: plain behaviour cloning
  unweighted_config.critic.steps = 1;
  torch::manual_seed(2);
  Gmpo unweighted(unweighted_config, toy_context(data));
  train(unweighted);
  const double unweighted_fraction = good_mode_fraction(unweighted);
  EXPECT_GT(unweighted_fraction, 0.3) << c.path;
  EXPECT_LT(unweighted_fraction, 0.7) << c.path;
}

INSTANTIATE_TEST_SUITE_P(Gmpo, GmpoTwoModes,
                         ::testing::Values(PathCase{"vpsde", "noise", "score_matching"},
                                           PathCase{"gvp", "velocity", "flow_matching"},
                                           PathCase{"icfm", "velocity", "flow_matching"}),
                         [](const auto& info) { return std::string(info.param.path); });

TEST(Gmpo, SoftmaxVariantAlsoPrefersTheBetterMode) {
  const auto data = two_mode_data(1024, 1);
  auto config = toy_config("gvp", "velocity", "flow_matching");
  config.policy.weighting = "softmax";
  config.policy.softmax_samples = 4;
  config.policy.model.grid_points = 8;  // the candidates are sampled every step: keep the test fast
  torch::manual_seed(2);
  Gmpo gmpo(config, toy_context(data));
  train(gmpo);
  EXPECT_GE(good_mode_fraction(gmpo), 0.9);
}

TEST(Gmpo, EveryPathAndParameterisationTrainsWithFiniteWeightedLoss) {
  const auto data = two_mode_data(64, 3);
  const std::vector<PathCase> cases = {
      {"vpsde", "noise", "score_matching"},    {"vpsde", "score", "score_matching_ml"},
      {"vpsde", "velocity", "flow_matching"},  {"vpsde", "data", "score_matching"},
      {"gvp", "velocity", "flow_matching"},    {"gvp", "noise", "score_matching"},
      {"linear", "velocity", "flow_matching"}, {"icfm", "velocity", "flow_matching"},
      {"otcfm", "velocity", "flow_matching"}};
  for (const auto& c : cases) {
    auto config = toy_config(c.path, c.model_type, c.loss);
    config.critic.steps = 2;
    config.policy.steps = 2;
    config.critic.batch_size = 32;
    config.policy.batch_size = 32;
    Gmpo gmpo(config, toy_context(data));
    train(gmpo);
    const auto m = gmpo.train_step("policy", 2);
    ASSERT_EQ(m[0].first, "loss");
    EXPECT_TRUE(std::isfinite(m[0].second)) << c.path << "/" << c.model_type;
    EXPECT_GT(m[2].second, 0.0) << "weight_mean";
    const auto a = gmpo.policy()->act(torch::zeros({5, 1}));
    EXPECT_EQ(a.sizes(), (std::vector<int64_t>{5, 1}));
    EXPECT_TRUE(torch::isfinite(a).all().item<bool>()) << c.path << "/" << c.model_type;
  }
}

// The config error of a gmpo section read from `yaml` (as the file gmpo.yaml), or "(accepted)".
std::string gmpo_config_error(const std::string& yaml) {
  auto config = training::algorithm_registry().get("gmpo").make_config();
  const auto source = config::load_text(yaml, "gmpo.yaml");
  config::Reader reader(source, source.root, "gmpo.");
  try {
    config->visit(reader);
    reader.finish();
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "(accepted)";
}

// The value of metric `name` in one step's metrics, NaN when the step did not log it.
double metric(const training::Metrics& metrics, const std::string& name) {
  for (const auto& [key, value] : metrics) {
    if (key == name) return value;
  }
  return std::nan("");
}

TEST(Gmpo, ConfigFromYamlRejectsUnknownKeysWithTheirPath) {
  const auto& factory = training::algorithm_registry().get("gmpo");
  auto config = factory.make_config();
  const auto source = config::load_text("policy:\n  beta: 8\n  model:\n    path: icfm\ncritic:\n  iql:\n    expectile: 0.9\n",
                                        "gmpo.yaml");
  config::Reader reader(source, source.root, "gmpo.");
  config->visit(reader);
  reader.finish();
  const auto& typed = dynamic_cast<training::TypedAlgorithmConfig<GmpoConfig>&>(*config).value;
  EXPECT_EQ(typed.policy.beta, 8.0);
  EXPECT_EQ(typed.policy.model.path, "icfm");
  EXPECT_EQ(typed.critic.iql.expectile, 0.9);
  EXPECT_EQ(typed.policy.clamp, 100.0);  // default kept

  const std::string error = gmpo_config_error("policy:\n  betta: 8\n");
  EXPECT_NE(error.find("gmpo.yaml line 2: unknown key 'gmpo.policy.betta'"), std::string::npos) << error;
}

// The toy GVP config with the whole 64-row toy dataset as one policy batch, so that logged batch
// statistics are dataset statistics.
GmpoConfig whole_dataset_batch_config(int64_t critic_steps) {
  GmpoConfig config = toy_config("gvp", "velocity", "flow_matching");
  config.critic.steps = critic_steps;
  config.policy.batch_size = 64;
  return config;
}

// The weights read min(Q1, Q2) of the online heads, as the original's gmpo.py does, unless
// policy.weight_q says target. With the whole dataset as one batch, the logged advantage mean is the
// dataset mean of min(Q1, Q2) - V of the chosen heads, which differ from the others after training.
TEST(Gmpo, WeightsReadTheOnlineHeadsByDefaultAndTheTargetHeadsOnRequest) {
  const auto data = two_mode_data(64, 3);
  for (const std::string heads : {"online", "target"}) {
    GmpoConfig config = whole_dataset_batch_config(50);
    if (heads == "target") config.policy.weight_q = "target";
    Gmpo gmpo(config, toy_context(data));
    for (int64_t step = 0; step < config.critic.steps; ++step) {
      // Beside q_mean: the data's mean discounted return. Every toy transition ends its episode, so
      // it is the mean reward, 1 on half of the rows.
      ASSERT_DOUBLE_EQ(metric(gmpo.train_step("critic", step), "data_return_mean"), 0.5);
    }
    double online = 0, target = 0;
    {
      torch::NoGradGuard no_grad;
      online = (gmpo.critic()->q_value(data.observations, data.actions) - gmpo.critic()->value(data.observations))
                   .mean()
                   .item<double>();
      target = (gmpo.critic()->target_q_value(data.observations, data.actions) -
                gmpo.critic()->value(data.observations))
                   .mean()
                   .item<double>();
    }
    ASSERT_GT(std::abs(online - target), 1e-3) << "the heads must differ for the test to tell them apart";
    EXPECT_NEAR(metric(gmpo.train_step("policy", 0), "advantage_mean"), heads == "online" ? online : target, 1e-5)
        << heads;
  }
  const std::string error = gmpo_config_error("policy:\n  weight_q: both\n");
  EXPECT_NE(error.find("gmpo.policy.weight_q"), std::string::npos) << error;
}

// policy.beta_rule env_return_span multiplies beta by (max_return - min_return) / (REF_MAX - REF_MIN)
// under IQL's locomotion scaling: 0.25 / 1 here. With the whole dataset as one batch, the logged
// weight mean is recomputed from the critic with that beta.
TEST(Gmpo, BetaRuleScalesTheTemperatureByTheDataSpreadOverTheEnvSpan) {
  const auto data = two_mode_data(64, 3);
  for (const std::string rule : {"as_given", "env_return_span"}) {
    GmpoConfig config = whole_dataset_batch_config(30);
    config.policy.beta = 8;
    config.policy.beta_rule = rule;
    training::AlgorithmContext context = toy_context(data);
    context.reward_scaling.kind = datasets::RewardScalingKind::iql_locomotion;
    context.reward_scaling.min_return = 0.0;
    context.reward_scaling.max_return = 0.25;
    Gmpo gmpo(config, context);
    for (int64_t step = 0; step < config.critic.steps; ++step) gmpo.train_step("critic", step);
    const double beta = rule == "as_given" ? 8.0 : 2.0;
    double expected_weight_mean = 0;
    {
      torch::NoGradGuard no_grad;
      const auto advantage =
          gmpo.critic()->q_value(data.observations, data.actions) - gmpo.critic()->value(data.observations);
      expected_weight_mean = torch::clamp_max(torch::exp(beta * advantage), 100.0).mean().item<double>();
    }
    const auto metrics = gmpo.train_step("policy", 0);
    EXPECT_DOUBLE_EQ(metric(metrics, "beta"), beta) << rule;
    EXPECT_NEAR(metric(metrics, "weight_mean"), expected_weight_mean, 1e-5 * expected_weight_mean) << rule;
  }
  const std::string error = gmpo_config_error("policy:\n  beta_rule: d4rl\n");
  EXPECT_NE(error.find("gmpo.policy.beta_rule"), std::string::npos) << error;
  EXPECT_NE(error.find("env_return_span"), std::string::npos) << error;
}

TEST(Gmpo, ActingOnlyBuildRefusesToTrain) {
  training::AlgorithmContext context;
  context.env = toy_spec(1, 1);
  Gmpo gmpo(toy_config("gvp", "velocity", "flow_matching"), context);
  EXPECT_THROW(gmpo.train_step("critic", 0), std::logic_error);
  EXPECT_EQ(gmpo.policy()->act(torch::zeros({3, 1})).size(0), 3);
}

std::vector<torch::Tensor> all_state(Gmpo& gmpo) {
  std::vector<torch::Tensor> out;
  for (const auto& p : gmpo.critic()->parameters()) out.push_back(p.detach().clone());
  for (const auto& p : gmpo.generative_policy()->parameters()) out.push_back(p.detach().clone());
  return out;
}

TEST(Gmpo, ResumedTrainerRunEndsBitIdenticalToUninterruptedRun) {
  grl::testing::TempDir dir;
  const auto data = two_mode_data(200, 4);
  auto config = toy_config("vpsde", "noise", "score_matching");
  config.critic.steps = 0;
  config.critic.epochs = 2;  // ceil(2 * 200 / 64) = 7 steps, crossing an epoch boundary
  config.critic.batch_size = 64;
  config.policy.steps = 9;
  config.policy.batch_size = 48;
  training::TrainerConfig trainer;
  trainer.log_every = 2;
  trainer.checkpoint_every = 3;

  torch::manual_seed(11);
  Gmpo straight(config, toy_context(data));
  ASSERT_EQ(straight.stages()[0].steps, 7);
  training::Trainer(straight, RunDirectory::create(dir.path(), "straight"), trainer, "cfg").run();

  torch::manual_seed(11);
  auto run = RunDirectory::create(dir.path(), "resumed");
  {
    Gmpo first(config, toy_context(data));
    int steps = 0;
    // should_stop is asked after every step and once at each stage end: the 12th call comes after
    // policy step 4, between two periodic checkpoints (3 and 6).
    const auto outcome = training::Trainer(first, run, trainer, "cfg").run([&] { return ++steps == 12; });
    EXPECT_EQ(outcome, training::TrainOutcome::interrupted);
  }
  torch::manual_seed(999);
  Gmpo second(config, toy_context(data));
  EXPECT_EQ(training::Trainer(second, RunDirectory::open(run.path()), trainer, "cfg").run(), training::TrainOutcome::finished);

  const auto a = all_state(straight), b = all_state(second);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "tensor " << i;
  // The metrics files agree line by line on every logged loss.
  std::ifstream fa(dir / "straight/metrics.jsonl"), fb(run.metrics_path());
  std::string la, lb;
  int lines = 0;
  while (std::getline(fa, la)) {
    ASSERT_TRUE(static_cast<bool>(std::getline(fb, lb)));
    const auto ja = nlohmann::json::parse(la), jb = nlohmann::json::parse(lb);
    EXPECT_EQ(ja["stage"], jb["stage"]);
    EXPECT_EQ(ja["step"], jb["step"]);
    for (const char* key : {"loss", "q_loss"}) {
      ASSERT_EQ(ja.contains(key), jb.contains(key)) << key;
      if (ja.contains(key)) {
        EXPECT_EQ(ja.at(key).dump(), jb.at(key).dump()) << key;
      }
    }
    ++lines;
  }
  EXPECT_FALSE(static_cast<bool>(std::getline(fb, lb)));
  EXPECT_EQ(lines, 9);  // critic 2, 4, 6, 7; policy 2, 4, 6, 8, 9: none twice
}

}  // namespace
}  // namespace grl::gmpo
