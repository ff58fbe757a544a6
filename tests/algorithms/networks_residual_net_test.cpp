// The temporal-spatial residual net, its time encoding and its fast (prepared) inference path.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <string>
#include <vector>

#include "algorithms/networks/generative_network.h"
#include "algorithms/networks/residual_net.h"
#include "algorithms/networks/time_encoding.h"

namespace grl::networks {
namespace {

int64_t linear_parameters(int64_t in, int64_t out) { return in * out + out; }
int64_t block_parameters(int64_t in, int64_t out, int64_t e) {
  return linear_parameters(in, out) + linear_parameters(e, out) + linear_parameters(out, out) +
         (in != out ? linear_parameters(in, out) : 0);
}

TEST(NetworksResidualNet, ParameterCountMatchesTheFormulaForHalfCheetah) {
  torch::manual_seed(0);
  const int64_t S = 17, A = 6, E = 128;
  TemporalSpatialResidualNet net(A, S);
  // c' = Linear(17, 32); e = Linear(64, 128), Linear(128, 128); blocks 6->512, 512->256, 256->128,
  // 128->128, 256->256, 512->512; out Linear(1024, 6). W (16 frequencies) is a buffer, not a parameter.
  const int64_t expected = linear_parameters(S, 32) + linear_parameters(64, E) + linear_parameters(E, E) +
                           block_parameters(A, 512, E) + block_parameters(512, 256, E) + block_parameters(256, 128, E) +
                           block_parameters(128, 128, E) + block_parameters(256, 256, E) +
                           block_parameters(512, 512, E) + linear_parameters(1024, A);
  EXPECT_EQ(expected, 1633222);  // the same sum done by hand: GenerativeRL's D4RL network has about 1.63M
  EXPECT_EQ(parameter_count(*net), expected);
  EXPECT_EQ(net->down.size(), 3u);
  EXPECT_EQ(net->up.size(), 2u);
  EXPECT_EQ(net->up[0]->input_dim(), 256);
  EXPECT_EQ(net->up[1]->input_dim(), 512);
  EXPECT_FALSE(net->up[0]->skip);  // 256 -> 256: identity skip
  EXPECT_TRUE(net->down[0]->skip);  // 6 -> 512: Linear skip
  EXPECT_EQ(net->last->options.in_features(), 1024);
}

TEST(NetworksResidualNet, ShapesAndTimeForms) {
  torch::manual_seed(1);
  TemporalSpatialResidualNet net(3, 5, GenerativeNetworkConfig{});
  const auto x = torch::randn({4, 3}), c = torch::randn({4, 5}), t = torch::rand({4});
  const auto y = net->forward(t, x, c);
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{4, 3}));
  // A scalar t is broadcast to the batch; [B, 1] is accepted too.
  const auto y_scalar = net->forward(torch::tensor(0.3f), x, c);
  const auto y_full = net->forward(torch::full({4}, 0.3f), x, c);
  EXPECT_TRUE(torch::allclose(y_scalar, y_full));
  EXPECT_TRUE(torch::allclose(net->forward(t.unsqueeze(1), x, c), y));
}

TEST(NetworksResidualNet, BadShapesNameTheProblem) {
  TemporalSpatialResidualNet net(3, 5);
  auto message = [&](const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor& c) -> std::string {
    try {
      net->forward(t, x, c);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_NE(message(torch::rand({4}), torch::randn({4, 2}), torch::randn({4, 5})).find("expected x of shape [B, 3]"),
            std::string::npos);
  EXPECT_NE(message(torch::rand({3}), torch::randn({4, 3}), torch::randn({4, 5})).find("expected t of shape [B]"),
            std::string::npos);
  EXPECT_NE(message(torch::rand({4}), torch::randn({4, 3}), torch::randn({4, 6})).find("condition of shape [B, 5]"),
            std::string::npos);
  const std::string missing = message(torch::rand({4}), torch::randn({4, 3}), torch::Tensor());
  EXPECT_NE(missing.find("condition of shape [B, 5]"), std::string::npos) << missing;
  EXPECT_NE(missing.find("condition (undefined)"), std::string::npos) << missing;
}

TEST(NetworksTimeEncoding, IsSinAndCosOfTimesFixedFrequencies) {
  torch::manual_seed(2);
  GaussianFourierTimeEncoding encoding(16, 30.0);
  ASSERT_EQ(encoding->frequencies.sizes(), (std::vector<int64_t>{16}));
  EXPECT_EQ(encoding->output_dim(), 32);
  // W is saved with the model (a buffer) and never trained (not a parameter).
  EXPECT_TRUE(encoding->parameters().empty());
  ASSERT_EQ(encoding->named_buffers().size(), 1u);
  EXPECT_TRUE(encoding->named_buffers().contains("frequencies"));
  // W = N(0,1) * 30 * 2 pi: with the same seed, the draw is reproducible.
  torch::manual_seed(2);
  const auto normal = torch::randn({16});
  EXPECT_TRUE(torch::allclose(encoding->frequencies, normal * (30.0 * 2.0 * M_PI)));

  const std::vector<float> times = {0.0f, 0.25f, 0.5f, 1.0f};
  const auto phi = encoding->forward(torch::tensor(times));
  ASSERT_EQ(phi.sizes(), (std::vector<int64_t>{4, 32}));
  for (std::size_t b = 0; b < times.size(); ++b) {
    for (int64_t k = 0; k < 16; ++k) {
      const double angle = static_cast<double>(times[b]) * encoding->frequencies[k].item<float>();
      EXPECT_NEAR(phi[b][k].item<float>(), std::sin(angle), 2e-5) << "t=" << times[b] << " k=" << k;
      EXPECT_NEAR(phi[b][16 + k].item<float>(), std::cos(angle), 2e-5) << "t=" << times[b] << " k=" << k;
    }
  }
}

double silu(double v) { return v / (1.0 + std::exp(-v)); }

void set_linear(torch::nn::Linear& layer, const std::vector<float>& weight, const std::vector<float>& bias) {
  torch::NoGradGuard no_grad;
  layer->weight.copy_(torch::tensor(weight).view(layer->weight.sizes()));
  layer->bias.copy_(torch::tensor(bias));
}

TEST(NetworksResidualBlock, MatchesHandComputationWithLinearSkip) {
  // in = 1, out = 2, E = 1: every weight set by hand.
  ResidualBlock block(1, 2, 1);
  set_linear(block->dense1, {1.0f, -2.0f}, {0.5f, 0.0f});
  set_linear(block->time_projection, {0.3f, -0.1f}, {0.0f, 0.2f});
  set_linear(block->dense2, {1.0f, 0.5f, -1.0f, 2.0f}, {0.1f, -0.1f});
  set_linear(block->skip, {2.0f, 3.0f}, {1.0f, -1.0f});
  const double x = 0.7, e = -0.4;
  // h = SiLU(W1 x + b1) + Wt SiLU(e) + bt
  const double h0 = silu(1.0 * x + 0.5) + 0.3 * silu(e) + 0.0;
  const double h1 = silu(-2.0 * x + 0.0) + -0.1 * silu(e) + 0.2;
  // y = SiLU(W2 h + b2) + Ws x + bs
  const double y0 = silu(1.0 * h0 + 0.5 * h1 + 0.1) + 2.0 * x + 1.0;
  const double y1 = silu(-1.0 * h0 + 2.0 * h1 - 0.1) + 3.0 * x - 1.0;
  const auto y = block->forward(torch::tensor({{static_cast<float>(x)}}), torch::tensor({{static_cast<float>(e)}}));
  EXPECT_NEAR(y[0][0].item<float>(), y0, 1e-6);
  EXPECT_NEAR(y[0][1].item<float>(), y1, 1e-6);
}

TEST(NetworksResidualBlock, IdentitySkipWhenWidthsAgree) {
  ResidualBlock block(2, 2, 1);
  EXPECT_FALSE(block->skip);
  set_linear(block->dense1, {0.0f, 0.0f, 0.0f, 0.0f}, {0.0f, 0.0f});
  set_linear(block->time_projection, {0.0f, 0.0f}, {0.0f, 0.0f});
  set_linear(block->dense2, {0.0f, 0.0f, 0.0f, 0.0f}, {1.0f, -1.0f});
  // h = 0 + 0; y = SiLU(b2) + x
  const auto y = block->forward(torch::tensor({{3.0f, 4.0f}}), torch::tensor({{9.0f}}));
  EXPECT_NEAR(y[0][0].item<float>(), silu(1.0) + 3.0, 1e-6);
  EXPECT_NEAR(y[0][1].item<float>(), silu(-1.0) + 4.0, 1e-6);
}

TEST(NetworksResidualNet, EmbeddingGridEqualsPerPairEmbedding) {
  torch::manual_seed(3);
  TemporalSpatialResidualNet net(6, 17);
  const auto times = torch::linspace(0, 1, 7), c = torch::randn({3, 17});
  const auto grid = net->embedding->forward_grid(times, c);
  ASSERT_EQ(grid.sizes(), (std::vector<int64_t>{7, 3, 128}));
  for (int64_t i = 0; i < 7; ++i) {
    const auto direct = net->embedding->forward(times[i].expand({3}), c);
    EXPECT_TRUE(torch::allclose(grid[i], direct, 1e-5, 1e-5)) << "time index " << i;
  }
}

// The prepared path must be the same function as forward(): all grid points, the few-row kernels
// (up to 16 rows), BLAS above that, and large batches that exceed the precompute budget and project
// one step at a time.
void expect_prepared_equals_forward(int64_t state_dim, int64_t batch, int64_t action_dim = 6,
                                    std::vector<int> hidden = {512, 256, 128}) {
  torch::manual_seed(4);
  GenerativeNetworkConfig config;
  config.hidden = hidden;
  TemporalSpatialResidualNet net(action_dim, state_dim, config);
  const auto times = torch::linspace(0, 1, 32).narrow(0, 0, 31);
  const auto c = state_dim > 0 ? torch::randn({batch, state_dim}) : torch::Tensor();
  torch::NoGradGuard no_grad;
  auto prepared = net->prepare(times, c);
  float worst = 0;
  for (int64_t i = 0; i < 31; i += (batch > 64 ? 10 : 1)) {
    const auto x = torch::randn({batch, action_dim}) * 2;
    const auto fast = (*prepared)(i, x);
    const auto plain = net->forward(times[i].expand({batch}), x, c);
    ASSERT_EQ(fast.sizes(), plain.sizes());
    worst = std::max(worst, (fast - plain).abs().max().item<float>() / (1.0f + plain.abs().max().item<float>()));
  }
  EXPECT_LT(worst, 1e-5) << "state_dim " << state_dim << " batch " << batch << " action_dim " << action_dim
                         << " levels " << hidden.size();
}

TEST(NetworksResidualNet, PreparedPathEqualsForward) {
  for (int64_t batch : {1, 2, 3, 4, 5, 7, 10, 16, 17}) expect_prepared_equals_forward(17, batch);
  expect_prepared_equals_forward(17, 400);  // 31 * 400 * 1792 floats > budget: per-step projection
  expect_prepared_equals_forward(0, 5);     // unconditional: one embedding row shared by every x row
  expect_prepared_equals_forward(0, 40);
  expect_prepared_equals_forward(11, 3, 9, {64});        // one level: the last layer reads [u, d0] directly
  expect_prepared_equals_forward(11, 6, 3, {96, 40, 24, 8});  // four levels, widths not multiples of 8
}

TEST(NetworksResidualNet, PreparedPathRefusesRowsThatDoNotMatchTheConditions) {
  torch::manual_seed(6);
  TemporalSpatialResidualNet net(6, 17);
  torch::NoGradGuard no_grad;
  auto prepared = net->prepare(torch::linspace(0, 1, 4), torch::randn({3, 17}));
  try {
    (*prepared)(0, torch::randn({2, 6}));
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("expected x of shape [3, 6]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("got [2, 6]"), std::string::npos) << e.what();
  }
}

TEST(NetworksResidualNet, PrepareWithAutogradFallsBackToDifferentiableForward) {
  torch::manual_seed(5);
  TemporalSpatialResidualNet net(2, 3);
  const auto times = torch::tensor({0.1f, 0.6f});
  const auto c = torch::randn({4, 3});
  auto prepared = net->prepare(times, c);
  const auto x = torch::randn({4, 2}, torch::requires_grad());
  const auto y = (*prepared)(1, x);
  y.sum().backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_GT(x.grad().abs().sum().item<float>(), 0.0f);
  EXPECT_TRUE(torch::allclose(y, net->forward(torch::full({4}, 0.6f), x, c)));
  EXPECT_THROW((*prepared)(2, x), std::out_of_range);
}

TEST(NetworksResidualNet, SurvivesASaveLoadRoundTripIncludingFrequencies) {
  torch::manual_seed(6);
  TemporalSpatialResidualNet a(6, 17);
  torch::manual_seed(7);
  TemporalSpatialResidualNet b(6, 17);
  ASSERT_FALSE(torch::equal(a->embedding->time_encoding->frequencies, b->embedding->time_encoding->frequencies));
  std::stringstream stream;
  torch::serialize::OutputArchive out;
  a->save(out);
  out.save_to(stream);
  torch::serialize::InputArchive in;
  in.load_from(stream);
  b->load(in);
  EXPECT_TRUE(torch::equal(a->embedding->time_encoding->frequencies, b->embedding->time_encoding->frequencies));
  const auto t = torch::rand({3}), x = torch::randn({3, 6}), c = torch::randn({3, 17});
  EXPECT_TRUE(torch::equal(a->forward(t, x, c), b->forward(t, x, c)));
}

}  // namespace
}  // namespace grl::networks
