// presets/{bc,iql,td3_bc,cql}/*.yaml: every file parses as a run config of its algorithm, holds
// CORL's numbers (1M steps at batch 256, state normalisation, the per-dataset IQL and CQL settings),
// and each cpu.yaml builds its algorithm on hopper-sized data and runs a step.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <tuple>

#include "algorithms/evaluation/run_config.h"
#include "baselines/bc/bc.h"
#include "baselines/cql/cql.h"
#include "baselines/diffusion_ql/diffusion_ql.h"
#include "baselines/idql/idql.h"
#include "baselines/iql/iql.h"
#include "baselines/qgpo/qgpo.h"
#include "baselines/sfbc/sfbc.h"
#include "baselines/srpo/srpo.h"
#include "baselines/td3_bc/td3_bc.h"
#include "baseline_problems.h"
#include "tests/algorithms/generative_test_models.h"

namespace grl::baselines {
namespace {

using namespace test_problems;

const std::filesystem::path kBaselinePresets =
    std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "presets";

const std::vector<std::string> kLocomotionDatasets = {
    "halfcheetah-medium-expert-v2", "hopper-medium-expert-v2",      "walker2d-medium-expert-v2",
    "halfcheetah-medium-v2",        "hopper-medium-v2",             "walker2d-medium-v2",
    "halfcheetah-medium-replay-v2", "hopper-medium-replay-v2",      "walker2d-medium-replay-v2"};

template <class Config>
Config baseline_section(const evaluation::RunConfig& run) {
  const auto* typed = dynamic_cast<const training::TypedAlgorithmConfig<Config>*>(run.algorithm_config.get());
  if (!typed) throw std::runtime_error("preset section of the wrong type");
  return typed->value;
}

evaluation::RunConfig baseline_preset(const std::string& algorithm, const std::string& name) {
  ensure_baselines_registered();
  const auto file = kBaselinePresets / algorithm / (name + ".yaml");
  if (!std::filesystem::exists(file)) throw std::runtime_error("missing preset " + file.string());
  return evaluation::parse_run_config(config::load_file(file.string()), algorithm);
}

TEST(BaselinePresets, CorlSettingForNineDatasetsAndFourAlgorithms) {
  // IQL: beta, expectile, actor type, Polyak rate, reward scaling (CORL's config files).
  const std::map<std::string, std::tuple<double, double, std::string, double, std::string>> iql = {
      {"hopper-medium-expert-v2", {6.0, 0.5, "gaussian", 0.005, "none"}},
      {"hopper-medium-v2", {3.0, 0.7, "deterministic", 0.001, "iql_locomotion"}},
      {"hopper-medium-replay-v2", {3.0, 0.7, "deterministic", 0.001, "iql_locomotion"}}};
  int files = 0;
  for (const auto& dataset : kLocomotionDatasets) {
    for (const std::string algorithm : {"bc", "iql", "td3_bc", "cql"}) {
      const auto run = baseline_preset(algorithm, dataset);
      EXPECT_EQ(run.dataset, dataset);
      EXPECT_TRUE(run.normalize_states) << algorithm << " " << dataset;
      EXPECT_EQ(run.evaluation.episodes, 10);
      EXPECT_EQ(run.trainer.eval_every, 5000);
      ++files;
    }
    const auto bc = baseline_section<BcConfig>(baseline_preset("bc", dataset));
    EXPECT_EQ(bc.loss, "mse");
    EXPECT_EQ(bc.steps, 1000000);
    EXPECT_EQ(bc.batch_size, 256);
    EXPECT_DOUBLE_EQ(bc.lr, 3e-4);

    const auto td3 = baseline_section<Td3BcConfig>(baseline_preset("td3_bc", dataset));
    EXPECT_EQ(td3.steps, 1000000);
    EXPECT_EQ(td3.batch_size, 256);
    EXPECT_DOUBLE_EQ(td3.alpha, 2.5);
    EXPECT_DOUBLE_EQ(td3.policy_noise, 0.2);
    EXPECT_DOUBLE_EQ(td3.noise_clip, 0.5);
    EXPECT_EQ(td3.policy_delay, 2);
    EXPECT_DOUBLE_EQ(td3.target_update_rate, 0.005);

    const auto iql_run = baseline_preset("iql", dataset);
    const auto i = baseline_section<IqlConfig>(iql_run);
    const auto expected = iql.count(dataset) ? iql.at(dataset)
                                             : std::make_tuple(3.0, 0.7, std::string("gaussian"), 0.005, std::string("none"));
    EXPECT_EQ(i.steps, 1000000);
    EXPECT_EQ(i.batch_size, 256);
    EXPECT_DOUBLE_EQ(i.beta, std::get<0>(expected)) << dataset;
    EXPECT_DOUBLE_EQ(i.critic.expectile, std::get<1>(expected)) << dataset;
    EXPECT_EQ(i.actor_type, std::get<2>(expected)) << dataset;
    EXPECT_DOUBLE_EQ(i.critic.target_update_rate, std::get<3>(expected)) << dataset;
    EXPECT_EQ(iql_run.reward_scaling, std::get<4>(expected)) << dataset;
    EXPECT_DOUBLE_EQ(i.clamp, 100);
    EXPECT_TRUE(i.cosine_schedule);

    const auto cql_run = baseline_preset("cql", dataset);
    const auto c = baseline_section<CqlConfig>(cql_run);
    EXPECT_EQ(c.steps, 1000000);
    EXPECT_DOUBLE_EQ(c.cql_alpha, 10.0);
    EXPECT_DOUBLE_EQ(c.policy_lr, 3e-5);
    EXPECT_DOUBLE_EQ(c.qf_lr, 3e-4);
    EXPECT_EQ(c.n_actions, 10);
    EXPECT_TRUE(c.importance_sample);
    EXPECT_FALSE(c.lagrange);
    EXPECT_EQ(c.actor.hidden, (std::vector<int>{256, 256, 256}));
    EXPECT_EQ(c.critic.hidden, (std::vector<int>{256, 256, 256}));
    EXPECT_EQ(cql_run.reward_scaling, dataset == "hopper-medium-v2" ? "iql_locomotion" : "none");
  }
  EXPECT_EQ(files, 36);
}

TEST(BaselinePresets, CpuPresetsBuildTheirAlgorithmAndStep) {
  const envs::EnvSpec hopper = envs::env_spec("hopper");
  const auto data = random_transitions(64, hopper.obs_dim, hopper.act_dim, 3);
  for (const std::string algorithm : {"bc", "iql", "td3_bc", "cql"}) {
    const auto run = baseline_preset(algorithm, "cpu");
    EXPECT_TRUE(run.dataset.empty()) << algorithm;  // given with --dataset
    EXPECT_TRUE(run.normalize_states);
    training::AlgorithmContext context;
    context.data = &data;
    context.env = hopper;
    auto algo = training::algorithm_registry().get(algorithm).make(*run.algorithm_config, context);
    const auto stages = algo->stages();
    ASSERT_EQ(stages.size(), 1u);
    EXPECT_GE(stages[0].steps, 1000) << algorithm;
    EXPECT_LT(stages[0].steps, 1000000) << algorithm;
    const auto m = algo->train_step(stages[0].name, 0);
    for (const auto& [name, value] : m) EXPECT_TRUE(std::isfinite(value)) << algorithm << " " << name;
    EXPECT_EQ(algo->policy()->act(torch::zeros({2, hopper.obs_dim})).size(1), hopper.act_dim);
  }
}

TEST(BaselinePresets, GenerativeBaselinesPublishedSettingForNineDatasets) {
  // Diffusion-QL's gradient-norm clip per dataset (its main.py) and SRPO's beta per dataset (its
  // released utils.py); everything else is shared by the nine.
  const std::map<std::string, double> srpo_beta = {
      {"halfcheetah-medium-expert-v2", 0.01}, {"hopper-medium-expert-v2", 0.01},  {"walker2d-medium-expert-v2", 0.1},
      {"halfcheetah-medium-v2", 0.2},         {"hopper-medium-v2", 0.05},         {"walker2d-medium-v2", 0.05},
      {"halfcheetah-medium-replay-v2", 0.2},  {"hopper-medium-replay-v2", 0.2},   {"walker2d-medium-replay-v2", 0.5}};
  const std::map<std::string, double> grad_norm = {
      {"halfcheetah-medium-expert-v2", 7.0}, {"hopper-medium-expert-v2", 5.0},      {"walker2d-medium-expert-v2", 5.0},
      {"halfcheetah-medium-v2", 9.0},        {"hopper-medium-v2", 9.0},             {"walker2d-medium-v2", 1.0},
      {"halfcheetah-medium-replay-v2", 2.0}, {"hopper-medium-replay-v2", 4.0},      {"walker2d-medium-replay-v2", 4.0}};
  for (const auto& dataset : kLocomotionDatasets) {
    for (const std::string algorithm : {"idql", "sfbc", "diffusion_ql", "srpo", "qgpo"}) {
      const auto run = baseline_preset(algorithm, dataset);
      EXPECT_EQ(run.dataset, dataset);
      EXPECT_FALSE(run.normalize_states) << algorithm;
      const bool iql_rewards = algorithm == "idql" || algorithm == "srpo" || algorithm == "qgpo";
      EXPECT_EQ(run.reward_scaling, iql_rewards ? "iql_locomotion" : "none") << algorithm;
    }
    const auto dql = baseline_section<DiffusionQlConfig>(baseline_preset("diffusion_ql", dataset));
    EXPECT_EQ(dql.steps, 2000000);
    EXPECT_DOUBLE_EQ(dql.eta, 1.0);
    EXPECT_TRUE(dql.bc_loss_mean);
    EXPECT_FALSE(dql.lr_decay);  // the reference's schedule never leaves 99.9% of its start
    EXPECT_DOUBLE_EQ(dql.grad_norm, grad_norm.at(dataset)) << dataset;
    EXPECT_EQ(dql.actor.solver, "ddpm");
    EXPECT_EQ(dql.actor.grid_points, 6);  // 5 denoising steps
    EXPECT_EQ(dql.actor.loss_time_steps, 5);
    EXPECT_DOUBLE_EQ(dql.actor.beta1, 10.0);
    EXPECT_EQ(dql.candidates.samples, 50);
    const auto idql = baseline_section<IdqlConfig>(baseline_preset("idql", dataset));
    EXPECT_EQ(idql.candidates.samples, 64);
    EXPECT_EQ(idql.critic.steps, 1500000);
    EXPECT_EQ(idql.behaviour.steps, 3000000);  // two actor updates per iteration
    EXPECT_EQ(idql.behaviour.batch_size, 1024);
    EXPECT_TRUE(idql.behaviour.cosine_schedule);
    EXPECT_EQ(idql.behaviour.model.solver, "ddpm");
    EXPECT_DOUBLE_EQ(idql.critic.iql.expectile, 0.7);
    const auto sfbc = baseline_section<SfbcConfig>(baseline_preset("sfbc", dataset));
    EXPECT_EQ(sfbc.candidates.samples, 32);
    EXPECT_EQ(sfbc.candidates.selection, "argmax");
    EXPECT_EQ(sfbc.candidates.select_count, 4);
    EXPECT_EQ(sfbc.behaviour.steps, 586000);
    EXPECT_EQ(sfbc.behaviour.batch_size, 4096);
    EXPECT_DOUBLE_EQ(sfbc.behaviour.lr, 1e-4);
    EXPECT_EQ(sfbc.behaviour.model.solver, "dpm_solver");
    EXPECT_EQ(sfbc.behaviour.model.dpm_order * sfbc.behaviour.model.dpm_steps, 15);  // 15 evaluations
    EXPECT_FALSE(sfbc.behaviour.model.dpm_multistep);
    EXPECT_EQ(sfbc.behaviour.model.dpm_form, "noise");
    const auto srpo = baseline_section<SrpoConfig>(baseline_preset("srpo", dataset));
    EXPECT_EQ(srpo.behaviour.model.loss, "score_matching");  // the released SRPO_behavior.py
    EXPECT_EQ(srpo.behaviour.steps, 2000000);
    EXPECT_EQ(srpo.behaviour.batch_size, 2048);
    EXPECT_EQ(srpo.critic.steps, 1500000);
    EXPECT_DOUBLE_EQ(srpo.policy.beta, srpo_beta.at(dataset)) << dataset;
    EXPECT_FALSE(srpo.policy.subtract_noise);  // the original's locomotion runs ("VDS")
    EXPECT_DOUBLE_EQ(srpo.policy.t_min, 0.02);
    EXPECT_DOUBLE_EQ(srpo.policy.t_max, 0.98);
    const auto qgpo = baseline_section<QgpoConfig>(baseline_preset("qgpo", dataset));
    EXPECT_EQ(qgpo.fake_samples, 16);
    EXPECT_EQ(qgpo.behaviour.model.solver, "dpm_solver");
    EXPECT_FALSE(qgpo.behaviour.model.dpm_multistep);
    EXPECT_EQ(qgpo.behaviour.steps, 600000);
    EXPECT_EQ(qgpo.behaviour.batch_size, 4096);
    EXPECT_DOUBLE_EQ(qgpo.guidance.alpha, 1.0);
    EXPECT_DOUBLE_EQ(qgpo.guidance.beta, 3.0);
    EXPECT_EQ(qgpo.guidance.q_steps, 500000);
    EXPECT_EQ(qgpo.guidance.critic.hidden, (std::vector<int>{256, 256, 256}));
    EXPECT_EQ(qgpo.guidance.energy.hidden, (std::vector<int>{256, 256, 256, 256}));
    for (const auto* network : {&dql.actor.network, &idql.behaviour.model.network, &sfbc.behaviour.model.network,
                                &srpo.behaviour.model.network, &qgpo.behaviour.model.network}) {
      EXPECT_EQ(network->name, "temporal_spatial_residual");
      EXPECT_EQ(network->hidden, (std::vector<int>{512, 256, 128}));
    }
  }
}

// The CPU preset of Diffusion-QL trains the original's actor backbone, not the residual net of the
// published-setting presets: at 1.99 steps/s the residual net reached only 1800 steps in the CPU
// budget (docs/baselines.md), the MLP 9000.
TEST(BaselinePresets, DiffusionQlCpuPresetUsesTheOriginalMlpActor) {
  const auto dql = baseline_section<DiffusionQlConfig>(baseline_preset("diffusion_ql", "cpu"));
  EXPECT_EQ(dql.actor.network.name, "mlp");
  EXPECT_EQ(dql.actor.network.hidden, (std::vector<int>{256, 256, 256}));
  EXPECT_EQ(dql.actor.network.activation, "mish");
  EXPECT_EQ(dql.steps, 9000);
  EXPECT_EQ(dql.ema_start, 450);
  EXPECT_EQ(dql.candidates.samples, 16);
}

// SRPO's beta is per dataset, so its CPU presets are per environment: each carries its medium dataset's
// beta, except halfcheetah's (the sweep at the CPU budget, results/cpu-native-srpo-beta/, scored -1.3 at
// the medium dataset's 0.2 and 18.6 at 0.02). At their budgets they regularise with eps_hat - z.
TEST(BaselinePresets, SrpoCpuPresetsCarryTheMediumBetaOrTheMeasuredOne) {
  const std::map<std::string, double> measured = {{"halfcheetah", 0.02}};
  for (const std::string env : {"hopper", "halfcheetah", "walker2d"}) {
    const auto cpu = baseline_section<SrpoConfig>(baseline_preset("srpo", "cpu-" + env));
    const auto medium = baseline_section<SrpoConfig>(baseline_preset("srpo", env + "-medium-v2"));
    const auto swept = measured.find(env);
    EXPECT_DOUBLE_EQ(cpu.policy.beta, swept == measured.end() ? medium.policy.beta : swept->second) << env;
    EXPECT_TRUE(cpu.policy.subtract_noise) << env;
  }
  EXPECT_DOUBLE_EQ(baseline_section<SrpoConfig>(baseline_preset("srpo", "halfcheetah-medium-v2")).policy.beta, 0.2);
  EXPECT_FALSE(std::filesystem::exists(kBaselinePresets / "srpo" / "cpu.yaml"));
}

TEST(BaselinePresets, GenerativeCpuPresetsBuildAndStepEveryStage) {
  OneTorchThread one_thread;
  const envs::EnvSpec hopper = envs::env_spec("hopper");
  const auto data = random_transitions(64, hopper.obs_dim, hopper.act_dim, 3);
  for (const std::string algorithm : {"idql", "sfbc", "diffusion_ql", "srpo", "qgpo"}) {
    const auto run = baseline_preset(algorithm, algorithm == "srpo" ? "cpu-hopper" : "cpu");
    EXPECT_TRUE(run.dataset.empty()) << algorithm;
    training::AlgorithmContext context;
    context.data = &data;
    context.env = hopper;
    auto algo = training::algorithm_registry().get(algorithm).make(*run.algorithm_config, context);
    for (const auto& stage : algo->stages()) {
      if (stage.name == "fake_actions") {
        EXPECT_EQ(stage.steps, 1);  // 64 states in one chunk: sized by the data, not the preset
      } else {
        EXPECT_GE(stage.steps, 1000) << algorithm << " " << stage.name;
        EXPECT_LT(stage.steps, 100000) << algorithm << " " << stage.name;
      }
      for (const auto& [name, value] : algo->train_step(stage.name, 0)) {
        EXPECT_TRUE(std::isfinite(value)) << algorithm << " " << stage.name << " " << name;
      }
    }
    const auto a = algo->policy()->act(torch::zeros({2, hopper.obs_dim}));
    EXPECT_EQ(a.size(1), hopper.act_dim);
    EXPECT_TRUE((a.abs() <= 1).all().item<bool>()) << algorithm;
  }
}

// SfBC and QGPO act through few DPM-Solver steps, and at few steps the solver's form and order decide
// whether the samples have the data's spread at all. Each preset's own sampler settings, run on a
// Gaussian mixture's exact noise prediction (no training), must give the mixture's moments. The CPU
// presets' earlier settings fail here: 3 third-order noise-form steps (SfBC) missed the covariance by
// 0.46-0.56 and 3 second-order data steps (QGPO) by 0.40-0.56, and SfBC's behaviour samples scored
// 1.26 on hopper-medium-native-v0 instead of the data's 20 (presets/generate_baseline_presets.py).
TEST(BaselinePresets, SfbcAndQgpoSamplerSettingsReproduceAnExactMixture) {
  struct Case {
    std::string algorithm, preset;
    GenerativePolicyConfig model;
  };
  std::vector<Case> cases;
  for (const std::string preset : {"cpu", "hopper-medium-v2"}) {
    cases.push_back({"sfbc", preset, baseline_section<SfbcConfig>(baseline_preset("sfbc", preset)).behaviour.model});
    cases.push_back({"qgpo", preset, baseline_section<QgpoConfig>(baseline_preset("qgpo", preset)).behaviour.model});
  }
  for (const auto& c : cases) {
    SCOPED_TRACE(c.algorithm + "/" + c.preset + ".yaml");
    ASSERT_EQ(c.model.solver, "dpm_solver");
    const GenerativePolicy policy(c.model, 1, 1);
    const generative::GenerativePath& path = policy->path();
    const generative::SamplerOptions options = policy->sampler_options();
    for (const auto& mixture : {generative::testing::mixture_1d(), generative::testing::mixture_2d()}) {
      at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(42);
      const torch::Tensor noise = torch::randn({8000, mixture.dim()}, gen, torch::kFloat64);
      const auto model = mixture.diffusion_model(path.diffusion, generative::parse_model_type(c.model.model_type));
      torch::NoGradGuard no_grad;
      const torch::Tensor x = generative::sample(path, model, noise, {}, options, gen);
      const double mean_error = (x.mean(0) - mixture.mean()).abs().max().item<double>();
      const double cov_error =
          (generative::testing::empirical_covariance(x) - mixture.covariance()).abs().max().item<double>();
      EXPECT_LT(mean_error, 0.05) << "dimension " << mixture.dim();
      EXPECT_LT(cov_error, 0.15) << "dimension " << mixture.dim() << ": covariance "
                                 << generative::testing::empirical_covariance(x) << " expected " << mixture.covariance();
    }
  }
}

}  // namespace
}  // namespace grl::baselines
