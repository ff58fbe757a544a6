// MLPs, the MLP backbone and the IQL critic networks.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "algorithms/networks/critics.h"
#include "algorithms/networks/generative_network.h"
#include "algorithms/networks/mlp.h"
#include "algorithms/networks/mlp_backbone.h"
#include "common/config.h"

namespace grl::networks {
namespace {

TEST(NetworksMlp, LayersFollowTheConfiguredWidths) {
  MlpConfig config;
  config.hidden = {8, 4};
  config.activation = "tanh";
  Mlp mlp(3, 2, config);
  // 3 -> 8 -> 4 -> 2
  EXPECT_EQ(parameter_count(*mlp), (3 * 8 + 8) + (8 * 4 + 4) + (4 * 2 + 2));
  EXPECT_EQ(mlp->forward(torch::randn({5, 3})).sizes(), (std::vector<int64_t>{5, 2}));
}

TEST(NetworksMlp, AppliesTheActivationBetweenLayersButNotAfterTheLast) {
  MlpConfig config;
  config.hidden = {1};
  config.activation = "relu";
  Mlp mlp(1, 1, config);
  {
    torch::NoGradGuard no_grad;
    for (auto& p : mlp->named_parameters()) p.value().fill_(0);
    mlp->named_parameters()["linear0.weight"].fill_(1);
    mlp->named_parameters()["linear1.weight"].fill_(-2);
    mlp->named_parameters()["linear1.bias"].fill_(-1);
  }
  // y = -2 relu(x) - 1: x = -3 -> -1 (relu clipped), x = 2 -> -5 (no activation on the output).
  const auto y = mlp->forward(torch::tensor({{-3.0f}, {2.0f}}));
  EXPECT_FLOAT_EQ(y[0][0].item<float>(), -1.0f);
  EXPECT_FLOAT_EQ(y[1][0].item<float>(), -5.0f);
}

TEST(NetworksMlp, UnknownActivationListsTheKnownOnes) {
  try {
    activation_by_name("swish");
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown activation 'swish'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("silu"), std::string::npos);
  }
}

TEST(NetworksMlpBackbone, ConditionsOnTimeStateAndX) {
  torch::manual_seed(0);
  GenerativeNetworkConfig config;
  config.name = "mlp";
  config.hidden = {32, 32};
  auto net = make_generative_network(config, 2, 3);
  const auto t = torch::full({4}, 0.5f), x = torch::randn({4, 2}), c = torch::randn({4, 3});
  const auto y = net->forward(t, x, c);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{4, 2}));
  EXPECT_FALSE(torch::allclose(y, net->forward(t, x, c + 1)));
  EXPECT_FALSE(torch::allclose(y, net->forward(t + 0.1, x, c)));
  EXPECT_FALSE(torch::allclose(y, net->forward(t, x + 1, c)));
  // 2 + 32 + 3 inputs.
  EXPECT_EQ(parameter_count(*net), (37 * 32 + 32) + (32 * 32 + 32) + (32 * 2 + 2));
}

TEST(NetworksCritics, DoubleQHasTwoIndependentHeadsOnActionThenState) {
  torch::manual_seed(1);
  DoubleQNetwork q(5, 2);
  // [a, s] -> 256 -> 256 -> 1, twice.
  EXPECT_EQ(parameter_count(*q), 2 * ((7 * 256 + 256) + (256 * 256 + 256) + (256 + 1)));
  const auto s = torch::randn({3, 5}), a = torch::randn({3, 2});
  auto [q1, q2] = q->forward(s, a);
  EXPECT_EQ(q1.sizes(), (std::vector<int64_t>{3}));
  EXPECT_FALSE(torch::allclose(q1, q2));
  EXPECT_TRUE(torch::equal(q->min_q(s, a), torch::min(q1, q2)));
  // The action comes first: Q1 equals its MLP applied to cat([a, s]).
  EXPECT_TRUE(torch::allclose(q1, q->q1->forward(torch::cat({a, s}, 1)).squeeze(1)));
  EXPECT_THROW(q->forward(torch::randn({3, 4}), a), std::invalid_argument);
  EXPECT_THROW(q->forward(s, torch::randn({2, 2})), std::invalid_argument);
}

TEST(NetworksCritics, ValueNetworkAndRegistries) {
  CriticNetworkConfig config;
  auto v = make_value_network(config, 4);
  EXPECT_EQ(v->forward(torch::randn({6, 4})).sizes(), (std::vector<int64_t>{6}));
  EXPECT_EQ(parameter_count(*v), (4 * 256 + 256) + (256 * 256 + 256) + 257);
  auto q = make_q_network(config, 4, 2);
  EXPECT_EQ(q->forward(torch::randn({6, 4}), torch::randn({6, 2})).first.sizes(), (std::vector<int64_t>{6}));
  config.name = "transformer";
  EXPECT_THROW(make_q_network(config, 4, 2), RegistryError);
  EXPECT_THROW(make_value_network(config, 4), RegistryError);
}

TEST(NetworksCritics, ConfigReadsFromYaml) {
  auto source = config::load_text("name: mlp\nmlp:\n  hidden: [64, 32]\n  activation: silu\n", "critic.yaml");
  const auto c = config::parse<CriticNetworkConfig>(source);
  EXPECT_EQ(c.mlp.hidden, (std::vector<int>{64, 32}));
  EXPECT_EQ(c.mlp.activation, "silu");
  auto bad = config::load_text("mlp:\n  activation: swish\n", "critic.yaml");
  EXPECT_THROW(config::parse<CriticNetworkConfig>(bad), config::ConfigError);
}

}  // namespace
}  // namespace grl::networks
