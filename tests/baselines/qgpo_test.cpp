// QGPO: the contrastive energy loss and the in-support soft value on hand-made tensors; the guided
// noise prediction of the energy network against finite differences of that network; and the
// two-mode bandit, where guidance moves the behaviour model's samples onto the rewarded mode while
// the unguided model (scale 0) keeps both.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "algorithms/generative/conversions.h"
#include "algorithms/generative/guidance.h"
#include "baselines/qgpo/qgpo.h"
#include "baseline_problems.h"

namespace grl::baselines {
namespace {

using namespace test_problems;

TEST(QgpoContrastiveEnergy, CrossEntropyAgainstSoftmaxOfBetaQ) {
  // beta 1, q = (0, ln 2): targets (1/3, 2/3); f = (0, 0): log softmax (-ln 2, -ln 2).
  const auto q = torch::tensor({{0.0, std::log(2.0)}}, torch::kFloat64);
  const auto f = torch::zeros({1, 2}, torch::dtype(torch::kFloat64).requires_grad(true));
  const auto loss = contrastive_energy_loss(q, f, 1.0);
  EXPECT_NEAR(loss.item<double>(), std::log(2.0), 1e-12);
  loss.backward();
  // d/df = softmax(f) - targets = (1/2 - 1/3, 1/2 - 2/3).
  EXPECT_TRUE(torch::allclose(f.grad(), torch::tensor({{1.0 / 6, -1.0 / 6}}, torch::kFloat64)));
  // The minimiser is f = beta q + any per-state constant: zero gradient there, and the loss is the
  // targets' entropy.
  const auto q2 = torch::tensor({{0.3, -1.0, 2.0}, {5.0, 5.0, 4.0}}, torch::kFloat64);
  const auto best = (2.5 * q2 + torch::tensor({{7.0}, {-3.0}}, torch::kFloat64)).requires_grad_(true);
  const auto at_best = contrastive_energy_loss(q2, best, 2.5);
  at_best.backward();
  EXPECT_LT(best.grad().abs().max().item<double>(), 1e-12);
  const auto p = torch::softmax(2.5 * q2, 1);
  EXPECT_NEAR(at_best.item<double>(), -(p * p.log()).sum(1).mean().item<double>(), 1e-12);
  EXPECT_THROW(contrastive_energy_loss(q, torch::zeros({1, 3}), 1.0), std::invalid_argument);
}

TEST(QgpoInSupportValue, SoftMaximumOverTheCandidates) {
  const auto q = torch::tensor({{0.0, 1.0}, {2.0, 2.0}}, torch::kFloat64);
  EXPECT_TRUE(torch::allclose(in_support_value(q, 0.0), torch::tensor({0.5, 2.0}, torch::kFloat64)));
  EXPECT_NEAR(in_support_value(q, 1.0)[0].item<double>(), std::exp(1.0) / (1 + std::exp(1.0)), 1e-12);
  EXPECT_NEAR(in_support_value(q, 200.0)[0].item<double>(), 1.0, 1e-12);  // -> the max
}

TEST(QgpoGuidedScore, NoisePredictionMinusScaledSigmaTimesTheEnergyGradient) {
  torch::manual_seed(4);
  TimeEnergy energy(2, 2, networks::MlpConfig{{16}, "silu"}, 4);
  energy->to(torch::kFloat64);
  const generative::GenerativePath path = generative::make_path("vpsde");
  const generative::ModelFunction behaviour{
      [](const torch::Tensor&, const torch::Tensor& x, const torch::Tensor& c) { return 0.5 * x - c; },
      generative::ModelType::noise};
  const generative::EnergyFn f = [&](const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor& c) {
    return energy->forward(t, x, c);
  };
  const double w = 1.7;
  const auto t = torch::tensor({0.3, 0.8}, torch::kFloat64);
  const auto x = torch::tensor({{0.2, -0.4}, {1.0, 0.5}}, torch::kFloat64);
  const auto c = torch::tensor({{0.1, 0.0}, {-0.3, 0.6}}, torch::kFloat64);
  torch::NoGradGuard no_grad;
  const auto guided = generative::guided_model(path, behaviour, f, w)(t, x, c);
  // Central differences of f in each action coordinate.
  auto gradient = torch::zeros_like(x);
  const double h = 1e-6;
  for (int64_t i = 0; i < 2; ++i) {
    auto e = torch::zeros_like(x);
    e.select(1, i).fill_(h);
    gradient.select(1, i).copy_((energy->forward(t, x + e, c) - energy->forward(t, x - e, c)) / (2 * h));
  }
  const auto expected = (0.5 * x - c) - w * path.diffusion->sigma(t).unsqueeze(1) * gradient;
  EXPECT_TRUE(torch::allclose(guided, expected, 1e-7, 1e-8)) << guided << "\n" << expected;
  EXPECT_GT((guided - (0.5 * x - c)).abs().max().item<double>(), 1e-3);  // the guidance is not negligible
}

const char* kQgpoToyYaml =
    "behaviour: {steps: 1500, batch_size: 128, lr: 3e-3, model: {dpm_steps: 5, network: {name: mlp, hidden: [64, 64]}}}\n"
    "fake_samples: 8\nfake_chunk: 512\n"
    "guidance: {steps: 800, batch_size: 128, q_lr: 3e-3, energy_lr: 3e-3, target_update_rate: 0.05, beta: 5,\n"
    "           critic: {hidden: [64, 64]}, energy: {hidden: [64, 64]}}\n";

TEST(Qgpo, TwoModeBanditGuidanceSelectsTheRewardedModeUnguidedKeepsBoth) {
  OneTorchThread one_thread;
  const auto data = two_mode_bandit(1024, 1);
  torch::manual_seed(2);
  auto algorithm = make_algorithm("qgpo", kQgpoToyYaml, toy_context(&data, 1, 1));
  auto& qgpo = dynamic_cast<Qgpo&>(*algorithm);
  EXPECT_EQ(qgpo.stages()[1].steps, 2);  // 1024 states in chunks of 512
  train_all_stages(qgpo);
  // Every state got its K behaviour samples, from both modes (nothing was left at zero).
  const auto fake = qgpo.fake_actions();
  EXPECT_EQ(fake.sizes(), (std::vector<int64_t>{1024, 8, 1}));
  const double fake_good = (fake > 0.1).to(torch::kFloat64).mean().item<double>();
  const double fake_bad = (fake < -0.1).to(torch::kFloat64).mean().item<double>();
  EXPECT_GT(fake_good, 0.3);
  EXPECT_GT(fake_bad, 0.3);
  const auto states = torch::linspace(-1, 1, 400).unsqueeze(1);
  torch::manual_seed(3);
  const auto guided = qgpo.policy()->act(states);
  EXPECT_GE((guided > 0).to(torch::kFloat64).mean().item<double>(), 0.9);
  torch::manual_seed(3);
  const auto unguided = qgpo.policy_with_scale(0.0)->act(states);
  const double good = (unguided > 0).to(torch::kFloat64).mean().item<double>();
  EXPECT_GT(good, 0.3);
  EXPECT_LT(good, 0.7);
}

TEST(Qgpo, QStepsFreezeTheCriticWhileTheEnergyKeepsLearning) {
  OneTorchThread one_thread;
  const auto data = two_mode_bandit(256, 1);
  torch::manual_seed(2);
  auto algorithm = make_algorithm(
      "qgpo",
      "behaviour: {steps: 3, batch_size: 64, model: {dpm_steps: 2, network: {name: mlp, hidden: [16]}}}\n"
      "fake_samples: 4\nfake_chunk: 256\n"
      "guidance: {steps: 5, q_steps: 2, batch_size: 64, critic: {hidden: [16]}, energy: {hidden: [16]}}\n",
      toy_context(&data, 1, 1));
  auto& qgpo = dynamic_cast<Qgpo&>(*algorithm);
  for (int64_t i = 0; i < 3; ++i) qgpo.train_step("behaviour", i);
  qgpo.train_step("fake_actions", 0);
  auto has_q_loss = [](const training::Metrics& m) {
    for (const auto& [name, value] : m)
      if (name == "q_loss") return true;
    return false;
  };
  auto flat = [](const torch::nn::Module& module) {
    std::vector<torch::Tensor> parts;
    for (const auto& p : module.parameters()) parts.push_back(p.detach().flatten().clone());
    return torch::cat(parts);
  };
  const auto critic_at_start = flat(*qgpo.critic());
  EXPECT_TRUE(has_q_loss(qgpo.train_step("guidance", 0)));
  EXPECT_TRUE(has_q_loss(qgpo.train_step("guidance", 1)));
  const auto critic_after_q_steps = flat(*qgpo.critic());
  const auto energy_after_q_steps = flat(*qgpo.energy());
  EXPECT_FALSE(torch::equal(critic_at_start, critic_after_q_steps));  // Q learned in steps 0 and 1
  for (int64_t i = 2; i < 5; ++i) EXPECT_FALSE(has_q_loss(qgpo.train_step("guidance", i))) << i;
  EXPECT_TRUE(torch::equal(flat(*qgpo.critic()), critic_after_q_steps));
  EXPECT_FALSE(torch::equal(flat(*qgpo.energy()), energy_after_q_steps));
}

TEST(Qgpo, ActingOnlyBuildAndConfigErrors) {
  auto qgpo = make_algorithm("qgpo", "behaviour: {model: {dpm_steps: 3, network: {name: mlp, hidden: [8]}}}\n"
                                     "guidance: {critic: {hidden: [8]}, energy: {hidden: [8]}}\n",
                             toy_context(nullptr, 3, 2));
  EXPECT_THROW(qgpo->train_step("guidance", 0), std::logic_error);
  EXPECT_EQ(qgpo->policy()->act(torch::zeros({5, 3})).sizes(), (std::vector<int64_t>{5, 2}));
  try {
    config_from_yaml("qgpo", "fake_samples: 1\n");
    FAIL() << "one fake sample accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("key 'qgpo.fake_samples'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace grl::baselines
