// The discrete DDPM sampler and time grid (algorithms/generative/ddpm.h): its posterior coefficients
// against Diffusion-QL's "vp" beta schedule written out by hand, the sampler against the textbook
// p_sample loop run on the same random numbers, its output moments on Gaussian data against the
// exact linear-Gaussian recursion (and that recursion converging to the data as T grows), and the
// loss's discrete training times.
#include "algorithms/generative/ddpm.h"
#include "algorithms/generative/losses.h"
#include "algorithms/generative/sampling.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

namespace grl::generative {
namespace {

// Diffusion-QL's vp_beta_schedule(T): alpha_i = exp(-b_min/T - (b_max - b_min)(2i - 1)/(2 T^2)).
std::vector<double> dql_alphas(int steps) {
  std::vector<double> alpha;
  const double b_min = 0.1, b_max = 10.0, T = steps;
  for (int i = 1; i <= steps; ++i) alpha.push_back(std::exp(-b_min / T - 0.5 * (b_max - b_min) * (2.0 * i - 1) / (T * T)));
  return alpha;
}

DiffusionPathPtr dql_path() {
  DiffusionPathOptions options;
  options.beta0 = 0.1;
  options.beta1 = 10.0;
  return make_diffusion_path("vpsde", options);
}

TEST(CoreDdpm, PosteriorCoefficientsAreDiffusionQlsVpSchedule) {
  const auto path = dql_path();
  const std::vector<double> grid = ddpm_time_grid(*path, 5);
  ASSERT_EQ(grid.size(), 6u);
  EXPECT_DOUBLE_EQ(grid[0], 0.0);
  EXPECT_DOUBLE_EQ(grid[5], 1.0);
  const std::vector<double> alpha = dql_alphas(5);
  double alpha_bar_prev = 1.0;
  for (int i = 1; i <= 5; ++i) {
    const double a = alpha[i - 1], beta = 1 - a, alpha_bar = alpha_bar_prev * a;
    EXPECT_NEAR(path->s(grid[i]) * path->s(grid[i]), alpha_bar, 1e-12) << i;
    const DdpmPosterior q = ddpm_posterior(*path, grid[i - 1], grid[i]);
    EXPECT_NEAR(q.coef_x0, beta * std::sqrt(alpha_bar_prev) / (1 - alpha_bar), 1e-12) << i;
    EXPECT_NEAR(q.coef_xt, (1 - alpha_bar_prev) * std::sqrt(a) / (1 - alpha_bar), 1e-12) << i;
    EXPECT_NEAR(q.variance, beta * (1 - alpha_bar_prev) / (1 - alpha_bar), 1e-12) << i;
    alpha_bar_prev = alpha_bar;
  }
  // The last step lands on the data: no noise, and the posterior mean is the x0 prediction.
  const DdpmPosterior last = ddpm_posterior(*path, 0.0, grid[1]);
  EXPECT_EQ(last.variance, 0.0);
  EXPECT_NEAR(last.coef_x0, 1.0, 1e-12);
  EXPECT_NEAR(last.coef_xt, 0.0, 1e-12);
  // gvp and linear stop short of s(1) = 0.
  EXPECT_DOUBLE_EQ(ddpm_time_grid(*make_diffusion_path("gvp"), 4).back(), 1.0 - kSamplingTimeEpsilon);
  EXPECT_THROW(ddpm_time_grid(*path, 0), std::invalid_argument);
}

TEST(CoreDdpm, SamplerIsTheTextbookLoopOnTheSameRandomNumbers) {
  const auto path = dql_path();
  GenerativePath gpath;
  gpath.kind = PathKind::vpsde;
  gpath.diffusion = path;
  // Any smooth noise prediction that depends on t, x and the condition.
  const ModelFunction model{[](const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor& c) {
                              return 0.8 * torch::tanh(2 * x) + 0.3 * t.unsqueeze(1) - 0.5 * c;
                            },
                            ModelType::noise};
  const auto options = torch::kFloat64;
  const torch::Tensor condition = torch::tensor({{0.3, -0.2}, {1.0, 0.5}, {-1.0, 0.0}}, options);
  const torch::Tensor noise = torch::tensor({{2.5, -0.4}, {0.1, 1.2}, {-1.7, 0.9}}, options);
  SamplerOptions sampler;
  sampler.solver = SolverKind::ddpm;
  sampler.grid_points = 6;
  sampler.ddpm_clip_data = true;
  at::Generator g1 = at::detail::createCPUGenerator(42);
  const torch::Tensor x = sample(gpath, model, noise, condition, sampler, g1);

  // p_sample_loop of Diffusion-QL (agents/diffusion.py), written with its own tables.
  at::Generator g2 = at::detail::createCPUGenerator(42);
  const std::vector<double> alpha = dql_alphas(5);
  std::vector<double> alpha_bar(6, 1.0);
  for (int i = 1; i <= 5; ++i) alpha_bar[i] = alpha_bar[i - 1] * alpha[i - 1];
  torch::Tensor y = noise.clone();
  for (int i = 5; i >= 1; --i) {
    const torch::Tensor t = torch::full({3}, i / 5.0, options);
    const torch::Tensor eps = model(t, y, condition);
    const torch::Tensor x0 = ((y - std::sqrt(1 - alpha_bar[i]) * eps) / std::sqrt(alpha_bar[i])).clamp(-1, 1);
    const double beta = 1 - alpha[i - 1];
    const torch::Tensor mean = beta * std::sqrt(alpha_bar[i - 1]) / (1 - alpha_bar[i]) * x0 +
                               (1 - alpha_bar[i - 1]) * std::sqrt(alpha[i - 1]) / (1 - alpha_bar[i]) * y;
    const double variance = beta * (1 - alpha_bar[i - 1]) / (1 - alpha_bar[i]);
    y = i > 1 ? mean + std::sqrt(variance) * torch::randn({3, 2}, g2, options) : mean;
  }
  EXPECT_TRUE(torch::allclose(x, y, 1e-10, 1e-12)) << x << "\n" << y;
  EXPECT_TRUE((x.abs() <= 1).all().item<bool>());  // the last step returns a clipped x0
}

// x0 ~ N(m, v) in 1-D: the exact x0 prediction E[x0 | x_t] = m + s v (x - s m)/(s^2 v + sigma^2) is
// linear in x, so every DDPM step is linear-Gaussian and the output moments follow by recursion.
struct Moments {
  double mean, variance;
};
// start_exact: x_T from its exact marginal N(s m, s^2 v + sigma^2) instead of the sampler's N(0, 1).
Moments ddpm_gaussian_moments(const DiffusionPath& path, int steps, double m, double v, bool start_exact = false) {
  const std::vector<double> grid = ddpm_time_grid(path, steps);
  const double s_top = path.s(grid.back()), sigma_top = path.sigma(grid.back());
  double mu = start_exact ? s_top * m : 0.0;
  double var = start_exact ? s_top * s_top * v + sigma_top * sigma_top : 1.0;
  for (int i = steps; i >= 1; --i) {
    const double s = path.s(grid[i]), sigma = path.sigma(grid[i]);
    const double k = s * v / (s * s * v + sigma * sigma);
    const DdpmPosterior q = ddpm_posterior(path, grid[i - 1], grid[i]);
    const double A = q.coef_x0 * k + q.coef_xt, c = q.coef_x0 * (m - k * s * m);
    mu = A * mu + c;
    var = A * A * var + q.variance;
  }
  return {mu, var};
}

TEST(CoreDdpm, GaussianDataMomentsMatchTheExactRecursion) {
  const auto path = dql_path();
  GenerativePath gpath;
  gpath.kind = PathKind::vpsde;
  gpath.diffusion = path;
  const double m = 0.4, v = 0.09;
  const ModelFunction exact_data{[&](const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor&) {
                                   const torch::Tensor s = path->s(t).unsqueeze(1), sigma = path->sigma(t).unsqueeze(1);
                                   return m + s * v * (x - s * m) / (s * s * v + sigma * sigma);
                                 },
                                 ModelType::data};
  SamplerOptions sampler;
  sampler.solver = SolverKind::ddpm;
  sampler.grid_points = 6;
  at::Generator g = at::detail::createCPUGenerator(7);
  const int64_t n = 40000;
  const torch::Tensor noise = torch::randn({n, 1}, g, torch::kFloat64);
  const torch::Tensor x = sample(gpath, exact_data, noise, {}, sampler, g);
  const Moments expected = ddpm_gaussian_moments(*path, 5, m, v);
  // Five coarse steps do not reproduce N(m, v) exactly; they do reproduce the recursion's moments.
  const double sample_mean = x.mean().item<double>(), sample_var = x.var().item<double>();
  EXPECT_NEAR(sample_mean, expected.mean, 4 * std::sqrt(expected.variance / n));
  EXPECT_NEAR(sample_var, expected.variance, 4 * expected.variance * std::sqrt(2.0 / n));
  // Started from the exact x_T marginal (N(0, 1) misses it by s(1) = 0.08 in scale), the same
  // sampler with many steps reaches the data distribution, at first order in 1/T: each step drops
  // coef_x0^2 Var[x0 | x_i] = O(1/T^2) of variance (it uses E[x0 | x_i], not x0).
  const double error_2k = ddpm_gaussian_moments(*path, 2000, m, v, true).variance - v;
  const double error_4k = ddpm_gaussian_moments(*path, 4000, m, v, true).variance - v;
  EXPECT_LT(error_2k, 0.0);
  EXPECT_NEAR(error_4k / error_2k, 0.5, 0.05);
  const Moments fine = ddpm_gaussian_moments(*path, 40000, m, v, true);
  EXPECT_NEAR(fine.mean, m, 1e-9);  // every step maps the exact mean onto the exact mean
  EXPECT_NEAR(fine.variance, v, 1e-4);
}

TEST(CoreDdpm, DiscreteLossTimesAreTheGridPointsUniformly) {
  const auto path = dql_path();
  GenerativePath gpath;
  gpath.kind = PathKind::vpsde;
  gpath.diffusion = path;
  std::map<long, int> counts;
  const ModelFunction recorder{[&](const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor&) {
                                 for (int64_t i = 0; i < t.size(0); ++i) ++counts[std::lround(t[i].item<double>() * 1000)];
                                 return torch::zeros_like(x);
                               },
                               ModelType::noise};
  LossOptions options;
  options.kind = LossKind::score_matching;
  options.time_steps = 5;
  const GenerativeLoss loss(gpath, options);
  at::Generator g = at::detail::createCPUGenerator(3);
  const torch::Tensor data = torch::zeros({5000, 1}, torch::kFloat64);
  const torch::Tensor l = loss.per_sample(recorder, data, {}, g);
  EXPECT_EQ(l.sizes(), (std::vector<int64_t>{5000}));
  ASSERT_EQ(counts.size(), 5u);
  for (const long key : {200L, 400L, 600L, 800L, 1000L}) {
    ASSERT_TRUE(counts.count(key)) << key;
    EXPECT_NEAR(counts[key], 1000, 4 * std::sqrt(1000 * 0.8)) << key;  // binomial(5000, 1/5)
  }
  options.kind = LossKind::score_matching_ml;
  EXPECT_THROW(GenerativeLoss(gpath, options), std::invalid_argument);
  options.kind = LossKind::flow_matching;
  EXPECT_THROW(GenerativeLoss(make_path("icfm"), options), std::invalid_argument);
}

}  // namespace
}  // namespace grl::generative
