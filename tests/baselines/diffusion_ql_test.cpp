// Diffusion-QL: the normalised Q term on hand-made tensors (value, gradient, scale invariance), the
// actor's loss gradient through the 5-step DDPM chain against finite differences, and the two-mode
// bandit: its actor samples the rewarded mode where the same actor without the Q term keeps both.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "baselines/diffusion_ql/diffusion_ql.h"
#include "baseline_problems.h"

namespace grl::baselines {
namespace {

using namespace test_problems;

TEST(DiffusionQlQTerm, MinusMeanQOverTheOtherHeadsMeanAbsoluteQ) {
  const auto q_value = torch::tensor({1.0, 2.0, 3.0}, torch::dtype(torch::kFloat64).requires_grad(true));
  const auto q_scale = torch::tensor({-1.0, 2.0, 3.0}, torch::dtype(torch::kFloat64).requires_grad(true));
  const auto loss = normalised_q_loss(q_value, q_scale);
  EXPECT_NEAR(loss.item<double>(), -2.0 / 2.0, 1e-12);  // mean 2, mean |.| 2
  loss.backward();
  EXPECT_TRUE(torch::allclose(q_value.grad(), torch::full({3}, -1.0 / 6.0, torch::kFloat64)));
  EXPECT_FALSE(q_scale.grad().defined());  // the scale carries no gradient
  // Invariant to the scale of Q: multiplying both heads by 1000 changes nothing.
  EXPECT_NEAR(normalised_q_loss(1000 * q_value.detach(), 1000 * q_scale.detach()).item<double>(), -1.0, 1e-12);
  EXPECT_THROW(normalised_q_loss(q_value, torch::ones({2})), std::invalid_argument);
}

TEST(DiffusionQlQTerm, GradientThroughTheDdpmChainMatchesFiniteDifferences) {
  // The Q term of a fixed linear critic Q(s, a) = w . a at the actor's 5-step DDPM sample from fixed
  // noise, differentiated in one actor weight: autograd through every step against central differences.
  torch::manual_seed(3);
  DiffusionQlConfig config;
  config.actor.network.name = "mlp";
  config.actor.network.hidden = {16};
  config.actor.ddpm_clip = false;  // clipping is piecewise: keep the function smooth for the check
  GenerativePolicy actor(config.actor, 2, 2);
  actor->to(torch::kFloat64);
  const auto states = torch::randn({4, 2}, torch::kFloat64);
  const auto noise = torch::randn({4, 2}, torch::kFloat64);
  const auto w = torch::tensor({0.7, -1.3}, torch::kFloat64);
  auto q_term = [&]() {
    at::Generator g = at::detail::createCPUGenerator(9);  // the same ancestral noise every call
    const auto a = actor->sample_from_noise(states, noise, g);
    // A fixed scale: the finite difference would otherwise also see the (detached) denominator move.
    return normalised_q_loss((a * w).sum(1), torch::full({4}, 3.0, torch::kFloat64));
  };
  torch::Tensor weight = actor->network->named_parameters()["mlp.linear0.weight"];
  const auto loss = q_term();
  loss.backward();
  const double analytic = weight.grad()[3][1].item<double>();
  const double h = 1e-6;
  double values[2];
  for (int side = 0; side < 2; ++side) {
    torch::NoGradGuard no_grad;
    weight[3][1].add_(side == 0 ? h : -2 * h);
    values[side] = q_term().item<double>();
  }
  {
    torch::NoGradGuard no_grad;
    weight[3][1].add_(h);
  }
  EXPECT_NEAR(analytic, (values[0] - values[1]) / (2 * h), 1e-6 * std::max(1.0, std::abs(analytic)));
  EXPECT_GT(std::abs(analytic), 1e-4);  // the weight matters: the check is not 0 = 0
}

const char* kDqlToyYaml =
    "steps: 700\nbatch_size: 128\nactor_lr: 3e-3\ncritic_lr: 3e-3\nlr_decay: false\ngrad_norm: 0\n"
    "target_update_rate: 0.05\nema_start: 0\nema_every: 1\nema_rate: 0.05\nsamples: 8\n"
    // Q here spans [0, 1], not hundreds as in locomotion: a temperature of 0.05 makes softmax(Q / T) as
    // selective as the reference's softmax(Q) is there.
    "temperature: 0.05\n"
    "actor: {network: {name: mlp, hidden: [64, 64]}}\ncritic: {hidden: [64, 64]}\n";

double good_fraction(DiffusionQl& dql, const torch::Tensor& states) {
  torch::NoGradGuard no_grad;
  return (dql.actor()->act(states) > 0).to(torch::kFloat64).mean().item<double>();
}

TEST(DiffusionQl, TwoModeBanditActorSamplesTheRewardedModeCloningKeepsBoth) {
  OneTorchThread one_thread;
  const auto data = two_mode_bandit(1024, 1);
  const auto states = torch::linspace(-1, 1, 400).unsqueeze(1);
  torch::manual_seed(2);
  auto dql = make_algorithm("diffusion_ql", std::string(kDqlToyYaml) + "eta: 1\n", toy_context(&data, 1, 1));
  train_all_stages(*dql);
  torch::manual_seed(3);
  EXPECT_GE(good_fraction(dynamic_cast<DiffusionQl&>(*dql), states), 0.9);
  // The kept candidate is on the rewarded side in every state.
  EXPECT_GT(dql->policy()->act(states).min().item<double>(), 0.2);

  torch::manual_seed(2);
  auto cloning = make_algorithm("diffusion_ql", std::string(kDqlToyYaml) + "eta: 0\n", toy_context(&data, 1, 1));
  train_all_stages(*cloning);
  torch::manual_seed(3);
  const double cloned = good_fraction(dynamic_cast<DiffusionQl&>(*cloning), states);
  EXPECT_GT(cloned, 0.3);
  EXPECT_LT(cloned, 0.7);
}

TEST(DiffusionQl, BcLossIsAMeanOverActionDimsAsTheReferences) {
  // Same seed, same first batch, same initial actor: the BC loss differs only by its reduction,
  // the reference's mean over the A = 3 action dims against the core's half sum (ratio 2 / A).
  const auto data = random_transitions(64, 2, 3, 4);
  auto first_bc_loss = [&](const std::string& mean) {
    torch::manual_seed(5);
    auto dql = make_algorithm("diffusion_ql", "batch_size: 32\nbc_loss_mean: " + mean +
                                                  "\nactor: {network: {name: mlp, hidden: [8]}}\ncritic: {hidden: [8]}\n",
                              toy_context(&data, 2, 3));
    return metric(dql->train_step("train", 0), "bc_loss");
  };
  const double mean = first_bc_loss("true"), half_sum = first_bc_loss("false");
  EXPECT_GT(half_sum, 0.0);
  EXPECT_NEAR(mean, half_sum * 2.0 / 3.0, 1e-6 * half_sum);
}

TEST(DiffusionQl, ActingOnlyBuildAndConfigErrors) {
  auto dql = make_algorithm("diffusion_ql", "samples: 3\nactor: {network: {name: mlp, hidden: [8]}}\ncritic: {hidden: [8]}\n",
                            toy_context(nullptr, 3, 2));
  EXPECT_THROW(dql->train_step("train", 0), std::logic_error);
  EXPECT_EQ(dql->policy()->act(torch::zeros({5, 3})).sizes(), (std::vector<int64_t>{5, 2}));
  try {
    config_from_yaml("diffusion_ql", "eta: -1\n");
    FAIL() << "negative eta accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("key 'diffusion_ql.eta'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace grl::baselines
