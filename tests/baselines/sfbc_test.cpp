// SfBC: the temperature of the selection decides how far acting moves from the behaviour model. On
// the two-mode bandit a small temperature keeps a rewarded-mode candidate in every state, while a
// very large one draws the candidates uniformly and so acts like the behaviour model (both modes);
// config errors name the key.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "baselines/sfbc/sfbc.h"
#include "baseline_problems.h"

namespace grl::baselines {
namespace {

using namespace test_problems;

const char* kSfbcToyYaml =
    "behaviour: {steps: 1500, batch_size: 128, lr: 3e-3, model: {dpm_steps: 4, network: {name: mlp, hidden: [64, 64]}}}\n"
    "critic: {steps: 400, batch_size: 128, iql: {q_lr: 3e-3, v_lr: 3e-3, target_update_rate: 0.05, network: {mlp: {hidden: [64, 64]}}}}\n"
    "samples: 32\nselection: softmax\nselect_count: 1\n";

TEST(Sfbc, TemperatureMovesActingFromTheBehaviourToTheRewardedMode) {
  OneTorchThread one_thread;
  const auto data = two_mode_bandit(1024, 1);
  torch::manual_seed(2);
  auto algorithm = make_algorithm("sfbc", std::string(kSfbcToyYaml) + "temperature: 0.02\n", toy_context(&data, 1, 1));
  train_all_stages(*algorithm);
  auto& sfbc = dynamic_cast<Sfbc&>(*algorithm);
  const auto states = torch::linspace(-1, 1, 400).unsqueeze(1);
  torch::manual_seed(3);
  // softmax((Q(+) - Q(-)) / 0.02) = e^50 : 1: the rewarded mode whenever one of the 32 candidates has it.
  EXPECT_GT(algorithm->policy()->act(states).min().item<double>(), 0.2);
  // Temperature 1000: softmax over Q in [0, 1] is uniform over the candidates, so acting is sampling
  // the behaviour model.
  auto uniform = CandidateSelectionPolicy(
      sfbc.behaviour().acting_model(),
      [&](const torch::Tensor& s, const torch::Tensor& a) { return sfbc.critic()->target_q_value(s, a); }, 32,
      SelectionRule::softmax, 1000.0);
  torch::manual_seed(3);
  const double good = (uniform.act(states) > 0).to(torch::kFloat64).mean().item<double>();
  EXPECT_GT(good, 0.3);
  EXPECT_LT(good, 0.7);
}

TEST(Sfbc, ActingOnlyBuildAndConfigErrors) {
  auto sfbc = make_algorithm("sfbc", "samples: 3\nselect_count: 2\nbehaviour: {model: {dpm_steps: 3, network: {name: mlp, hidden: [8]}}}\n",
                             toy_context(nullptr, 3, 2));
  EXPECT_THROW(sfbc->train_step("behaviour", 0), std::logic_error);
  EXPECT_EQ(sfbc->policy()->act(torch::zeros({5, 3})).sizes(), (std::vector<int64_t>{5, 2}));
  try {
    config_from_yaml("sfbc", "temperature: 0\n");
    FAIL() << "temperature 0 accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("key 'sfbc.temperature'"), std::string::npos) << e.what();
  }
  // The default select_count (4) with fewer samples fails when the algorithm is built, before any
  // training, naming the key.
  try {
    make_algorithm("sfbc", "samples: 3\nbehaviour: {model: {network: {name: mlp, hidden: [8]}}}\n", toy_context(nullptr, 3, 2));
    FAIL() << "select_count 4 of 3 samples accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("key 'sfbc.select_count': 4 candidates kept but only samples = 3"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace grl::baselines
