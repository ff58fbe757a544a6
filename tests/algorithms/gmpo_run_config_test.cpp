#include <gtest/gtest.h>
#include <torch/torch.h>

#include "algorithms/evaluation/run_config.h"
#include "algorithms/gmpo/gmpo.h"
#include "support/temp_dir.h"

namespace grl::evaluation {
namespace {

const char* kPreset = R"(algorithm: gmpo
dataset: hopper-medium-v2
seed: 3
reward_scaling: iql_locomotion
trainer:
  log_every: 10
evaluation:
  episodes: 4
gmpo:
  critic:
    steps: 100
  policy:
    beta: 8
    model:
      path: icfm
)";

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

const gmpo::GmpoConfig& gmpo_of(const RunConfig& c) {
  return dynamic_cast<const training::TypedAlgorithmConfig<gmpo::GmpoConfig>&>(*c.algorithm_config).value;
}

TEST(RunConfig, PresetParsesIntoTheAlgorithmsOwnConfig) {
  const auto config = parse_run_config(config::load_text(kPreset, "preset.yaml"), "gmpo");
  EXPECT_EQ(config.algorithm, "gmpo");
  EXPECT_EQ(config.seed, 3);
  EXPECT_EQ(config.trainer.log_every, 10);
  EXPECT_EQ(config.evaluation.episodes, 4);
  EXPECT_EQ(gmpo_of(config).critic.steps, 100);
  EXPECT_EQ(gmpo_of(config).policy.beta, 8.0);
  EXPECT_EQ(gmpo_of(config).policy.model.path, "icfm");
  EXPECT_EQ(gmpo_of(config).policy.clamp, 100.0);  // default
  EXPECT_EQ(run_env(config).id, "hopper");
}

TEST(RunConfig, ResolvedYamlReadsBackToTheSameConfig) {
  const auto config = parse_run_config(config::load_text(kPreset, "preset.yaml"));
  const std::string yaml = run_config_yaml(config);
  EXPECT_NE(yaml.find("gmpo:"), std::string::npos);
  EXPECT_NE(yaml.find("expectile: 0.7"), std::string::npos) << yaml;  // defaults are written too
  const auto back = parse_run_config(config::load_text(yaml, "resolved.yaml"));
  EXPECT_EQ(run_config_yaml(back), yaml);
}

TEST(RunConfig, UnknownKeysAndBadValuesNameFileLineAndKeyPath) {
  const std::string typo = std::string(kPreset) + "    betta: 3\n";
  EXPECT_NE(error_of([&] { parse_run_config(config::load_text(typo, "preset.yaml")); })
                .find("preset.yaml line 16: unknown key 'gmpo.policy.betta' (did you mean 'gmpo.policy.beta'?"),
            std::string::npos)
      << error_of([&] { parse_run_config(config::load_text(typo, "preset.yaml")); });
  EXPECT_NE(error_of([&] { parse_run_config(config::load_text(std::string(kPreset) + "seeed: 1\n", "p.yaml")); })
                .find("p.yaml line 16: unknown key 'seeed'"),
            std::string::npos);

  auto source = config::load_text(kPreset, "preset.yaml");
  config::apply_overrides(source, {"gmpo.policy.clamp=-1"});
  EXPECT_EQ(error_of([&] { parse_run_config(source); }),
            "command-line override 'gmpo.policy.clamp=-1': key 'gmpo.policy.clamp': value '-1' is out of range, "
            "expected a value > 0");

  EXPECT_NE(error_of([] { parse_run_config(config::load_text(kPreset, "preset.yaml"), "sac"); })
                .find("preset.yaml line 1: key 'algorithm': the file is for 'gmpo' but --algo asks for 'sac'"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_run_config(config::load_text("dataset: x\n", "n.yaml"), "nope"); })
                .find("n.yaml: unknown algorithm 'nope'; known algorithms: "),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_run_config(config::load_text("dataset: x\n", "n.yaml")); }).find("no algorithm"),
            std::string::npos);
}

class ConstantPolicy : public training::Policy {
 public:
  torch::Tensor act(const torch::Tensor& obs) override {
    seen = obs.clone();
    return torch::zeros({obs.size(0), 1});
  }
  torch::Tensor seen;
};

class PolicyOnly : public training::Algorithm {
 public:
  std::vector<training::Stage> stages() const override { return {}; }
  training::Metrics train_step(const std::string&, std::int64_t) override { return {}; }
  void save(training::CheckpointWriter& out) const override { out.integer("marker", 5); }
  void load(const training::CheckpointReader& in) override { marker = in.integer("marker"); }
  std::shared_ptr<training::Policy> policy() override { return inner; }
  std::shared_ptr<ConstantPolicy> inner = std::make_shared<ConstantPolicy>();
  std::int64_t marker = 0;
};

TEST(RunAlgorithm, CheckpointCarriesStateNormalisationAndThePolicyAppliesIt) {
  grl::testing::TempDir dir;
  datasets::StateNormalization normalization;
  normalization.mean = torch::tensor({1.0f, 2.0f});
  normalization.std = torch::tensor({2.0f, 4.0f});
  RunAlgorithm saved(std::make_unique<PolicyOnly>(), normalization);
  training::CheckpointWriter out;
  saved.save(out);
  out.save(dir / "c.pt");

  auto* inner = new PolicyOnly();
  RunAlgorithm loaded(std::unique_ptr<training::Algorithm>(inner), {});
  loaded.load(training::CheckpointReader(dir / "c.pt"));
  EXPECT_EQ(inner->marker, 5);
  loaded.policy()->act(torch::tensor({{3.0f, 6.0f}}));
  EXPECT_TRUE(torch::allclose(inner->inner->seen, torch::tensor({{1.0f, 1.0f}})));
}

}  // namespace
}  // namespace grl::evaluation
