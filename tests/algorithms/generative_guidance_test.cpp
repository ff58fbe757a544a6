// Energy guidance (algorithms/generative/guidance.h) against a closed form: a Gaussian behaviour
// N(m, v) tilted by exp(w c.x0) is N(m + w v c, v); with the exact time-dependent energy
// E_t(x) = c . k(t) x, k = s v / (s^2 v + sigma^2), the guided DPM-Solver maps noise onto the tilted
// Gaussian's exact probability-flow map. Also: the energy gradient on a hand-made energy.
#include "algorithms/generative/guidance.h"
#include "algorithms/generative/sampling.h"

#include <gtest/gtest.h>

#include <cmath>

namespace grl::generative {
namespace {

TEST(CoreGuidance, EnergyGradientOfAHandMadeEnergy) {
  // E(x) = x_0^2 x_1 + t: grad = (2 x_0 x_1, x_0^2).
  const EnergyFn energy = [](const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor&) {
    return x.select(1, 0).square() * x.select(1, 1) + t;
  };
  const auto x = torch::tensor({{1.0, 2.0}, {-3.0, 0.5}}, torch::kFloat64);
  torch::NoGradGuard no_grad;  // how samplers call it
  const auto g = energy_gradient(energy, torch::zeros({2}, torch::kFloat64), x, {});
  EXPECT_TRUE(torch::allclose(g, torch::tensor({{4.0, 1.0}, {-3.0, 9.0}}, torch::kFloat64)));
  EXPECT_FALSE(g.requires_grad());
}

TEST(CoreGuidance, GuidedDpmSolverSamplesTheTiltedGaussian) {
  const GenerativePath path = make_path("vpsde");
  const DiffusionPath& dp = *path.diffusion;
  const double m = 0.3, v = 0.04, w = 2.5;
  const auto c = torch::tensor({1.0, -2.0}, torch::kFloat64);
  const ModelFunction behaviour{[&](const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor&) {
                                  const auto s = dp.s(t).unsqueeze(1), sigma = dp.sigma(t).unsqueeze(1);
                                  return sigma * (x - s * m) / (s * s * v + sigma * sigma);
                                },
                                ModelType::noise};
  const EnergyFn energy = [&](const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor&) {
    const auto s = dp.s(t), sigma = dp.sigma(t);
    const auto k = s * v / (s * s * v + sigma * sigma);
    return k * (x * c).sum(1);
  };
  SamplerOptions options;
  options.solver = SolverKind::dpm_solver;
  options.dpm.order = 3;
  options.dpm.steps = 25;
  const auto noise = torch::tensor({{-1.5, 0.0}, {0.0, 1.0}, {2.0, -0.7}}, torch::kFloat64);
  torch::NoGradGuard no_grad;
  const auto x = sample(path, guided_model(path, behaviour, energy, w), noise, {}, options);
  // Exact probability-flow map of N(mt, v) from t = 1 to t_end = 1e-3 (the sampler's data end).
  const auto mt = m + w * v * c;  // per dimension
  const double t0 = 1.0, t1 = kSamplingTimeEpsilon;
  const double s0 = dp.s(t0), q0 = std::sqrt(s0 * s0 * v + std::pow(dp.sigma(t0), 2));
  const double s1 = dp.s(t1), q1 = std::sqrt(s1 * s1 * v + std::pow(dp.sigma(t1), 2));
  const auto expected = s1 * mt + (q1 / q0) * (noise - s0 * mt);
  EXPECT_TRUE(torch::allclose(x, expected, 1e-4, 2e-3)) << x << "\n" << expected;
  // Scale 0 is the behaviour model itself: its samples stay at mean m.
  const auto plain = sample(path, guided_model(path, behaviour, energy, 0.0), noise, {}, options);
  const auto expected_plain = s1 * m + (q1 / q0) * (noise - s0 * m);
  EXPECT_TRUE(torch::allclose(plain, expected_plain, 1e-4, 2e-3));
  EXPECT_THROW(guided_model(make_path("icfm"), behaviour, energy, 1.0), std::invalid_argument);
}

}  // namespace
}  // namespace grl::generative
