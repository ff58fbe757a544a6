// Sampling Gaussian mixtures with their exact score / velocity (no training): every path, every model
// parameterisation and every solver reproduces the mixture's mean and covariance; K samples per state
// stay with their state; gradients reach the noise and the model.
#include "algorithms/generative/sampling.h"

#include "generative_test_models.h"

#include <gtest/gtest.h>

#include <string>

namespace grl::generative {
namespace {

using testing::GaussianMixture;

constexpr int64_t kSamples = 8000;

void expect_moments(const torch::Tensor& x, const GaussianMixture& mixture, double tol_mean, double tol_cov) {
  ASSERT_TRUE(torch::isfinite(x).all().item<bool>());
  const torch::Tensor mean_error = (x.mean(0) - mixture.mean()).abs().max();
  const torch::Tensor cov_error = (testing::empirical_covariance(x) - mixture.covariance()).abs().max();
  EXPECT_LT(mean_error.item<double>(), tol_mean) << "mean " << x.mean(0) << " expected " << mixture.mean();
  EXPECT_LT(cov_error.item<double>(), tol_cov) << "cov " << testing::empirical_covariance(x) << " expected "
                                               << mixture.covariance();
}

struct SamplingCase {
  std::string path;
  ModelType type;
  SolverKind solver;
  int grid_points;
};

void check_mixture_sampling(const SamplingCase& c) {
  SCOPED_TRACE(c.path + " " + to_string(c.type) + " " + to_string(c.solver) + " " + std::to_string(c.grid_points));
  const GenerativePath path = make_path(c.path);
  SamplerOptions options;
  options.solver = c.solver;
  options.grid_points = c.grid_points;
  options.adaptive.rtol = options.adaptive.atol = 1e-5;
  options.dpm.steps = 20;
  options.dpm.order = 3;
  for (const GaussianMixture& mixture : {testing::mixture_1d(), testing::mixture_2d()}) {
    SCOPED_TRACE("dimension " + std::to_string(mixture.dim()));
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(42);
    const torch::Tensor noise = torch::randn({kSamples, mixture.dim()}, gen, torch::kFloat64);
    const ModelFunction model = mixture.diffusion_model(path.diffusion, c.type);
    torch::NoGradGuard no_grad;
    const SampleResult r = sample_with_stats(path, model, noise, {}, options, gen);
    EXPECT_EQ(r.x.sizes(), noise.sizes());
    // Euler's 31 steps carry a visible discretisation bias; the others are accurate.
    const double tol = c.solver == SolverKind::euler ? 0.08 : 0.04;
    expect_moments(r.x, mixture, tol, 1.5 * tol);
  }
}

// Every path with every model type, and every solver on some path (the benchmark setting, 32-point Euler
// on a velocity model, on all three).
const std::vector<SamplingCase> kSamplingCases = {
    SamplingCase{"vpsde", ModelType::velocity, SolverKind::euler, 32},
    SamplingCase{"gvp", ModelType::velocity, SolverKind::euler, 32},
    SamplingCase{"linear", ModelType::velocity, SolverKind::euler, 32},
    SamplingCase{"vpsde", ModelType::score, SolverKind::rk4, 33},
    SamplingCase{"vpsde", ModelType::noise, SolverKind::heun, 65},
    SamplingCase{"vpsde", ModelType::data, SolverKind::dopri5, 0},
    SamplingCase{"gvp", ModelType::noise, SolverKind::rk4, 33},
    SamplingCase{"gvp", ModelType::data, SolverKind::dopri5, 0},
    SamplingCase{"linear", ModelType::score, SolverKind::rk4, 33},
    SamplingCase{"linear", ModelType::velocity, SolverKind::dopri5, 0},
    SamplingCase{"vpsde", ModelType::noise, SolverKind::dpm_solver, 0},
    SamplingCase{"gvp", ModelType::velocity, SolverKind::dpm_solver, 0},
    SamplingCase{"linear", ModelType::data, SolverKind::dpm_solver, 0},
    SamplingCase{"vpsde", ModelType::score, SolverKind::sde_euler_maruyama, 201},
    SamplingCase{"gvp", ModelType::noise, SolverKind::sde_euler_maruyama, 201},
};

TEST(CoreMixtureSampling, VpsdeReproducesMeanAndCovarianceIn1dAnd2d) {
  for (const SamplingCase& c : kSamplingCases) {
    if (c.path == "vpsde") check_mixture_sampling(c);
  }
}

TEST(CoreMixtureSampling, GvpReproducesMeanAndCovarianceIn1dAnd2d) {
  for (const SamplingCase& c : kSamplingCases) {
    if (c.path == "gvp") check_mixture_sampling(c);
  }
}

TEST(CoreMixtureSampling, LinearReproducesMeanAndCovarianceIn1dAnd2d) {
  for (const SamplingCase& c : kSamplingCases) {
    if (c.path == "linear") check_mixture_sampling(c);
  }
}

TEST(CoreFlowSampling, IcfmAndOtcfmVelocitiesReproduceTheMixture) {
  for (const std::string name : {"icfm", "otcfm"}) {
    for (const double sigma : {0.0, 0.1}) {
      SCOPED_TRACE(name + " sigma " + std::to_string(sigma));
      PathOptions path_options;
      path_options.flow.sigma = sigma;
      const GenerativePath path = make_path(name, path_options);
      const GaussianMixture mixture = testing::mixture_2d();
      at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(7);
      // With sigma > 0 the path starts at N(0, (1 + sigma^2) I) and ends at the mixture convolved with
      // N(0, sigma^2 I): start there and compare with the widened covariance.
      const torch::Tensor noise = std::sqrt(1.0 + sigma * sigma) * torch::randn({kSamples, 2}, gen, torch::kFloat64);
      SamplerOptions options;
      options.solver = SolverKind::rk4;
      options.grid_points = 33;
      torch::NoGradGuard no_grad;
      const torch::Tensor x = sample(path, mixture.icfm_velocity(sigma), noise, {}, options);
      GaussianMixture widened = mixture;
      widened.variances = mixture.variances + sigma * sigma;
      expect_moments(x, widened, 0.04, 0.06);
    }
  }
}

TEST(CoreSampling, DefaultIntervalsStayOffTheSingularEnds) {
  const GenerativePath vp = make_path("vpsde"), gvp = make_path("gvp"), icfm = make_path("icfm");
  TimeInterval i = default_time_interval(vp, ModelType::velocity, SolverKind::euler);
  EXPECT_EQ(i.data_end, 0.0);
  EXPECT_EQ(i.noise_end, 1.0);
  i = default_time_interval(vp, ModelType::noise, SolverKind::euler);
  EXPECT_EQ(i.data_end, kSamplingTimeEpsilon);
  EXPECT_EQ(i.noise_end, 1.0);
  i = default_time_interval(gvp, ModelType::noise, SolverKind::rk4);
  EXPECT_EQ(i.noise_end, 1.0 - kSamplingTimeEpsilon);
  i = default_time_interval(gvp, ModelType::velocity, SolverKind::dpm_solver);
  EXPECT_EQ(i.noise_end, 1.0 - kSamplingTimeEpsilon);
  i = default_time_interval(icfm, ModelType::velocity, SolverKind::euler);
  EXPECT_EQ(i.data_end, 0.0);
  EXPECT_EQ(i.noise_end, 1.0);
}

TEST(CoreSampling, EulerBenchmarkGridCallsTheModel31TimesAtTheExpectedTimes) {
  // Diffusion velocity model: the model is called at t = 1, 1 - 1/31, ..., 1/31 (never at t = 0).
  const GenerativePath path = make_path("vpsde");
  std::vector<double> times;
  const ModelFunction model{[&](const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor&) {
                              times.push_back(t[0].item<double>());
                              return torch::zeros_like(x);
                            },
                            ModelType::velocity};
  const SampleResult r = sample_with_stats(path, model, torch::ones({3, 2}), {});
  ASSERT_EQ(times.size(), 31u);
  EXPECT_EQ(r.function_evaluations, 31);
  EXPECT_DOUBLE_EQ(times.front(), 1.0);
  EXPECT_NEAR(times.back(), 1.0 / 31.0, 1e-7);  // float32 time tensor
  EXPECT_TRUE(torch::equal(r.x, torch::ones({3, 2})));  // zero velocity leaves the noise unchanged
}

TEST(CoreSampling, EulerFastPathEqualsTheGenericIntegrator) {
  // sample() steps velocity models with a fused update; it must equal the generic fixed-grid Euler on
  // the reverse-time drift -velocity(1 - tau, x) (diffusion) or v(tau, x) (flow).
  const GaussianMixture mixture = testing::mixture_2d();
  const torch::Tensor noise = torch::randn({64, 2}, torch::kFloat64);
  for (const std::string name : {"vpsde", "gvp", "linear", "icfm"}) {
    SCOPED_TRACE(name);
    const GenerativePath path = make_path(name);
    const ModelFunction model =
        path.is_flow() ? mixture.icfm_velocity(0.1) : mixture.diffusion_model(path.diffusion, ModelType::velocity);
    const DriftFn drift = [&](double tau, const torch::Tensor& x) {
      return path.is_flow() ? model(torch::full({x.size(0)}, tau, x.options()), x, {})
                            : -data_to_noise_velocity(path, model, 1.0 - tau, x, {});
    };
    const torch::Tensor generic = integrate_fixed_grid(drift, noise, uniform_grid(0.0, 1.0, 32), FixedStepMethod::euler);
    EXPECT_TRUE(torch::allclose(sample(path, model, noise, {}), generic, 1e-12, 1e-12));
  }
}

TEST(CoreSampling, KSamplesPerStateKeepTheirState) {
  // Flow velocity v = c (the state): x(1) = z + c, so every sample sits around its own state.
  const GenerativePath path = make_path("icfm");
  const ModelFunction model{[](const torch::Tensor&, const torch::Tensor& x, const torch::Tensor& c) { return c + 0 * x; },
                            ModelType::velocity};
  const int64_t b = 5, k = 64;
  const torch::Tensor states = torch::arange(b, torch::kFloat64).mul(10.0).unsqueeze(1).repeat({1, 2});
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(3);
  const torch::Tensor x = sample_per_state(path, model, states, k, 2, {}, gen);
  ASSERT_EQ(x.sizes(), torch::IntArrayRef({b * k, 2}));
  const torch::Tensor per_state_mean = x.reshape({b, k, 2}).mean(1);
  EXPECT_LT((per_state_mean - states).abs().max().item<double>(), 0.6);
  EXPECT_TRUE(torch::equal(repeat_per_sample(states, k).reshape({b, k, 2}).select(1, k - 1), states));
  EXPECT_FALSE(repeat_per_sample(torch::Tensor(), 3).defined());
}

TEST(CoreSampling, GradientsReachTheNoiseAndTheModelParameters) {
  // Flow v(tau, x) = a x: x(1) = exp(a) z in the limit; Euler gives (1 + a/31)^31 z exactly.
  const GenerativePath path = make_path("icfm");
  const torch::Tensor a = torch::tensor({0.7}, torch::kFloat64).requires_grad_(true);
  const ModelFunction model{[&](const torch::Tensor&, const torch::Tensor& x, const torch::Tensor&) { return a * x; },
                            ModelType::velocity};
  const torch::Tensor z = torch::tensor({{1.0, -2.0}}, torch::kFloat64).requires_grad_(true);
  const torch::Tensor x = sample(path, model, z, {});
  const auto grads = torch::autograd::grad({x.sum()}, {z, a});
  const double step = 1.0 + 0.7 / 31.0;
  EXPECT_NEAR(grads[0][0][0].item<double>(), std::pow(step, 31), 1e-12);
  EXPECT_NEAR(grads[1].item<double>(), 31.0 * std::pow(step, 30) / 31.0 * (1.0 - 2.0), 1e-12);
  // Under NoGradGuard nothing is recorded.
  torch::NoGradGuard no_grad;
  EXPECT_FALSE(sample(path, model, z, {}).requires_grad());
}

TEST(CoreSampling, EverySolverBackpropagatesToTheModelAndTheNoise) {
  // A Gaussian-data model whose mean mu is a parameter: autograd through each solver must equal central
  // finite differences of the same (deterministic, fixed-seed for the SDE) computation.
  const GenerativePath path = make_path("vpsde");
  const torch::Tensor z0 = torch::tensor({{0.3, -1.0}, {1.2, 0.4}}, torch::kFloat64);
  const auto run = [&](SolverKind solver, const torch::Tensor& mu, const torch::Tensor& z) {
    testing::GaussianMixture g{torch::ones({1}, torch::kFloat64), mu.unsqueeze(0),
                               torch::tensor({{0.3, 0.8}}, torch::kFloat64)};
    SamplerOptions options;
    options.solver = solver;
    options.grid_points = 9;
    options.dpm.steps = 6;
    options.adaptive.rtol = options.adaptive.atol = 1e-9;
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(8);
    return sample(path, g.diffusion_model(path.diffusion, ModelType::data), z, {}, options, gen).sum();
  };
  for (const SolverKind solver : {SolverKind::euler, SolverKind::heun, SolverKind::rk4, SolverKind::dopri5,
                                  SolverKind::sde_euler_maruyama, SolverKind::dpm_solver}) {
    SCOPED_TRACE(to_string(solver));
    const torch::Tensor mu = torch::tensor({0.5, -0.2}, torch::kFloat64).requires_grad_(true);
    const torch::Tensor z = z0.clone().requires_grad_(true);
    const auto grads = torch::autograd::grad({run(solver, mu, z)}, {mu, z});
    torch::NoGradGuard no_grad;
    const double h = 1e-6;
    for (int64_t i = 0; i < 2; ++i) {
      const torch::Tensor e = torch::zeros({2}, torch::kFloat64).index_fill_(0, torch::tensor({i}), h);
      const double fd = (run(solver, mu + e, z0) - run(solver, mu - e, z0)).item<double>() / (2 * h);
      EXPECT_NEAR(grads[0][i].item<double>(), fd, 1e-5 * (1.0 + std::abs(fd)));
    }
    const torch::Tensor e = torch::zeros_like(z0).index_put_({0, 1}, h);
    const double fd = (run(solver, mu, z0 + e) - run(solver, mu, z0 - e)).item<double>() / (2 * h);
    EXPECT_NEAR(grads[1][0][1].item<double>(), fd, 1e-5 * (1.0 + std::abs(fd)));
  }
}

TEST(CoreSampling, BadInputsAreRefused) {
  const GenerativePath flow = make_path("icfm");
  const ModelFunction score{[](const torch::Tensor&, const torch::Tensor& x, const torch::Tensor&) { return x; },
                            ModelType::score};
  EXPECT_THROW(sample(flow, score, torch::zeros({2, 2}), {}), std::invalid_argument);
  ModelFunction velocity = score;
  velocity.type = ModelType::velocity;
  EXPECT_THROW(sample(flow, velocity, torch::zeros({2}), {}), std::invalid_argument);
  EXPECT_THROW(sample(flow, velocity, torch::zeros({2, 2}), torch::zeros({3, 4})), std::invalid_argument);
  SamplerOptions sde;
  sde.solver = SolverKind::sde_euler_maruyama;
  EXPECT_THROW(sample(flow, velocity, torch::zeros({2, 2}), {}, sde), std::invalid_argument);
  EXPECT_EQ(parse_solver_kind("dpm_solver"), SolverKind::dpm_solver);
  EXPECT_THROW(parse_solver_kind("rk45"), std::invalid_argument);
}

}  // namespace
}  // namespace grl::generative
