// Log-likelihood by the instantaneous change of variables: value and gradients (w.r.t. the input and
// the model's parameters) against analytic Gaussian flows; Hutchinson's estimator is unbiased.
#include "algorithms/generative/likelihood.h"

#include "generative_test_models.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace grl::generative {
namespace {

// Flow v(tau, x) = a x + b (per dim): noise z at tau = 0 flows to x(1) = e^a z + b (e^a - 1)/a, so the
// model's density is N(b (e^a - 1)/a, e^{2a}) per dimension.
struct LinearFlow {
  torch::Tensor a = torch::tensor({0.4, -0.3}, torch::kFloat64).requires_grad_(true);
  torch::Tensor b = torch::tensor({1.0, 0.5}, torch::kFloat64).requires_grad_(true);
  ModelFunction model() const {
    return {[a = a, b = b](const torch::Tensor&, const torch::Tensor& x, const torch::Tensor&) { return a * x + b; },
            ModelType::velocity};
  }
  torch::Tensor exact_log_prob(const torch::Tensor& x) const {
    const torch::Tensor mean = b * torch::expm1(a) / a;
    const torch::Tensor var = torch::exp(2.0 * a);
    return (-0.5 * ((x - mean).pow(2) / var + torch::log(2.0 * M_PI * var))).sum(1);
  }
};

TEST(CoreLikelihood, LinearFlowValueAndGradientsAreExact) {
  const LinearFlow flow;
  const GenerativePath path = make_path("icfm");
  const torch::Tensor x = torch::tensor({{0.3, -1.2}, {2.0, 0.8}, {-0.5, 0.1}}, torch::kFloat64).requires_grad_(true);
  LikelihoodOptions options;  // RK4, 33 points
  const LikelihoodResult r = log_likelihood_with_details(path, flow.model(), x, {}, options);
  const torch::Tensor expected = flow.exact_log_prob(x);
  EXPECT_TRUE(torch::allclose(r.log_prob, expected, 1e-8, 1e-8)) << r.log_prob << expected;
  EXPECT_EQ(r.function_evaluations, 32 * 4);
  // Delta(1) = -integral of div F = trace(a) here (F = -v, so div F = -sum a).
  EXPECT_NEAR(r.delta[0].item<double>(), (flow.a.sum()).item<double>(), 1e-10);

  const auto got = torch::autograd::grad({r.log_prob.sum()}, {x, flow.a, flow.b});
  const auto want = torch::autograd::grad({expected.sum()}, {x, flow.a, flow.b});
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_TRUE(torch::allclose(got[i], want[i], 1e-7, 1e-7)) << i << ": " << got[i] << " vs " << want[i];
  }
}

TEST(CoreLikelihood, DetachingTheStateWouldTruncateTheGradient) {
  // The reference framework detaches x inside the drift; the parameter gradient then misses the
  // trajectory's dependence on a. Ours must equal the analytic d log p / d a, which differs from the
  // truncated one by a clear margin on this problem.
  const LinearFlow flow;
  const GenerativePath path = make_path("icfm");
  const torch::Tensor x = torch::tensor({{2.5, -1.0}}, torch::kFloat64);
  const torch::Tensor ours = torch::autograd::grad({log_likelihood(path, flow.model(), x, {}).sum()}, {flow.a})[0];
  const torch::Tensor exact = torch::autograd::grad({flow.exact_log_prob(x).sum()}, {flow.a})[0];
  EXPECT_TRUE(torch::allclose(ours, exact, 1e-7, 1e-7));
  const ModelFunction detached{[a = flow.a, b = flow.b](const torch::Tensor&, const torch::Tensor& xx, const torch::Tensor&) {
                                 // Same values, but the parameter's effect on the state path is cut.
                                 return a * xx + b;
                               },
                               ModelType::velocity};
  // Emulate the truncation: integrate without a graph, then differentiate only the divergence term.
  torch::Tensor noise;
  {
    torch::NoGradGuard no_grad;
    noise = log_likelihood_with_details(path, detached, x, {}).noise;
  }
  const torch::Tensor truncated_log_prob = standard_normal_log_prob(noise) - flow.a.sum();
  const torch::Tensor truncated = torch::autograd::grad({truncated_log_prob.sum()}, {flow.a})[0];
  EXPECT_GT((truncated - exact).abs().max().item<double>(), 0.1);
}

void check_GaussianDataValueAndGradients(const std::string& param) {
  // Data N(mu, var) with the exact velocity of the path. The flow carries N(mu, var) at t = 0 exactly to
  // p_1 = N(s(1) mu, s(1)^2 var + sigma(1)^2), so log N(x; mu, var) = log p_1(x(1)) - Delta(1) up to the
  // solver's error. GVP and linear have p_1 = N(0, I); the VP-SDE only approximately (s(1) = 6.6e-3),
  // which is the documented approximation of log_prob.
  const DiffusionPathPtr dpath = make_diffusion_path(param);
  const GenerativePath path = make_path(param);
  const torch::Tensor mu = torch::tensor({0.5, -0.8}, torch::kFloat64).requires_grad_(true);
  const torch::Tensor var = torch::tensor({0.3, 1.7}, torch::kFloat64).requires_grad_(true);
  const ModelFunction model{
      [&](const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor&) {
        testing::GaussianMixture g{torch::ones({1}, torch::kFloat64), mu.unsqueeze(0), var.unsqueeze(0)};
        return g.diffusion_model(dpath, ModelType::velocity)(t, x, {});
      },
      ModelType::velocity};
  const torch::Tensor x = torch::tensor({{0.1, 0.4}, {1.5, -2.0}}, torch::kFloat64).requires_grad_(true);
  LikelihoodOptions options;
  options.solver = SolverKind::dopri5;
  options.adaptive.rtol = options.adaptive.atol = 1e-8;
  const LikelihoodResult r = log_likelihood_with_details(path, model, x, {}, options);
  const auto gaussian = [](const torch::Tensor& y, const torch::Tensor& m, const torch::Tensor& v) {
    return (-0.5 * ((y - m).pow(2) / v + torch::log(2.0 * M_PI * v))).sum(1);
  };
  const torch::Tensor expected = gaussian(x, mu, var);
  const double s1 = dpath->s(1.0), sigma1 = dpath->sigma(1.0);
  const torch::Tensor with_exact_prior = gaussian(r.noise, s1 * mu, s1 * s1 * var + sigma1 * sigma1) - r.delta;
  EXPECT_TRUE(torch::allclose(with_exact_prior, expected, 1e-6, 1e-6)) << with_exact_prior << expected;
  const double prior_tol = param == "vpsde" ? 0.03 : 1e-6;
  EXPECT_TRUE(torch::allclose(r.log_prob, expected, prior_tol, prior_tol)) << r.log_prob << expected;
  const auto got = torch::autograd::grad({with_exact_prior.sum()}, {x, mu, var});
  const auto want = torch::autograd::grad({expected.sum()}, {x, mu, var});
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_TRUE(torch::allclose(got[i], want[i], 1e-5, 1e-5)) << i << ": " << got[i] << " vs " << want[i];
  }
}

TEST(CoreDiffusionLikelihood, GaussianDataValueAndGradients) {
  for (const std::string param : {"vpsde", "gvp", "linear"}) {
    SCOPED_TRACE(param);
    check_GaussianDataValueAndGradients(param);
  }
}

TEST(CoreLikelihood, MixtureLikelihoodMatchesItsDensity) {
  // Non-Gaussian data: the exact velocity of a 1-D mixture on the GVP path.
  const testing::GaussianMixture mixture = testing::mixture_1d();
  const DiffusionPathPtr dpath = make_diffusion_path("gvp");
  const torch::Tensor x = torch::tensor({-1.0, 0.2, 1.5}, torch::kFloat64).reshape({3, 1});
  LikelihoodOptions options;
  options.solver = SolverKind::dopri5;
  options.adaptive.rtol = options.adaptive.atol = 1e-8;
  torch::NoGradGuard no_grad;
  const torch::Tensor log_prob =
      log_likelihood(make_path("gvp"), mixture.diffusion_model(dpath, ModelType::velocity), x, {}, options);
  const torch::Tensor components =
      torch::log(mixture.weights) - 0.5 * ((x - mixture.means.t()).pow(2) / mixture.variances.t() +
                                           torch::log(2.0 * M_PI * mixture.variances.t()));
  EXPECT_TRUE(torch::allclose(log_prob, torch::logsumexp(components, 1), 1e-5, 1e-5));
  EXPECT_FALSE(log_prob.requires_grad());
}

TEST(CoreLikelihood, BatchedExactDivergenceEqualsThePerDimensionOne) {
  // A conditional, non-linear model so that every entry of the Jacobian matters.
  const torch::Tensor w = torch::tensor({{0.3, 1.0, -0.5}, {0.2, -0.4, 0.8}, {-1.0, 0.6, 0.1}}, torch::kFloat64)
                              .requires_grad_(true);
  const ModelFunction model{[&](const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor& c) {
                              return torch::tanh(x.matmul(w.t()) + c) * (1.0 + t.unsqueeze(1));
                            },
                            ModelType::velocity};
  const GenerativePath path = make_path("icfm");
  const torch::Tensor x = torch::tensor({{0.5, -0.2, 1.0}, {-1.0, 0.3, 0.2}}, torch::kFloat64).requires_grad_(true);
  const torch::Tensor c = torch::tensor({{0.1, 0.2, -0.3}, {0.0, -0.5, 0.4}}, torch::kFloat64);
  LikelihoodOptions exact, batched;
  exact.grid_points = batched.grid_points = 9;
  batched.divergence = DivergenceMethod::exact_batched;
  const torch::Tensor a = log_likelihood(path, model, x, c, exact);
  const torch::Tensor b = log_likelihood(path, model, x, c, batched);
  EXPECT_TRUE(torch::allclose(a, b, 1e-12, 1e-12)) << a << b;
  const auto ga = torch::autograd::grad({a.sum()}, {x, w});
  const auto gb = torch::autograd::grad({b.sum()}, {x, w});
  EXPECT_TRUE(torch::allclose(ga[0], gb[0], 1e-12, 1e-12));
  EXPECT_TRUE(torch::allclose(ga[1], gb[1], 1e-12, 1e-12));
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::allclose(log_likelihood(path, model, x, c, batched), a, 1e-12, 1e-12));
}

TEST(CoreLikelihood, HutchinsonIsUnbiased) {
  // Flow v = M x with a non-symmetric M: exact div = trace(M); Rademacher probes have variance
  // sum_{i != j} M_ij^2 per probe, so 4000 probes average to within a few hundredths.
  const torch::Tensor m = torch::tensor({{0.3, 1.0, -0.5}, {0.2, -0.4, 0.8}, {-1.0, 0.6, 0.1}}, torch::kFloat64);
  const ModelFunction model{[&](const torch::Tensor&, const torch::Tensor& x, const torch::Tensor&) { return x.matmul(m.t()); },
                            ModelType::velocity};
  const GenerativePath path = make_path("icfm");
  const torch::Tensor x = torch::tensor({{0.5, -0.2, 1.0}}, torch::kFloat64);
  LikelihoodOptions exact_options;
  exact_options.solver = SolverKind::euler;
  exact_options.grid_points = 2;
  LikelihoodOptions hutchinson = exact_options;
  hutchinson.divergence = DivergenceMethod::hutchinson;
  hutchinson.hutchinson_probes = 4000;
  torch::NoGradGuard no_grad;
  const torch::Tensor exact = log_likelihood_with_details(path, model, x, {}, exact_options).delta;
  EXPECT_NEAR(exact.item<double>(), m.trace().item<double>(), 1e-12);  // one Euler step of div(-v) = -tr M
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(11);
  const torch::Tensor estimate = log_likelihood_with_details(path, model, x, {}, hutchinson, gen).delta;
  const double sd = std::sqrt((m.pow(2).sum() - m.diag().pow(2).sum()).item<double>() / 4000.0);
  EXPECT_NEAR(estimate.item<double>(), exact.item<double>(), 4.0 * sd);
  // A single probe is not exact (otherwise the test above proves nothing).
  hutchinson.hutchinson_probes = 1;
  bool differs = false;
  for (int i = 0; i < 5 && !differs; ++i) {
    differs = std::abs(log_likelihood_with_details(path, model, x, {}, hutchinson, gen).delta.item<double>() -
                       exact.item<double>()) > 1e-6;
  }
  EXPECT_TRUE(differs);
}

TEST(CoreLikelihood, RefusesBadInputs) {
  const LinearFlow flow;
  const GenerativePath path = make_path("icfm");
  EXPECT_THROW(log_likelihood(path, flow.model(), torch::zeros({3}, torch::kFloat64), {}), std::invalid_argument);
  LikelihoodOptions sde;
  sde.solver = SolverKind::sde_euler_maruyama;
  EXPECT_THROW(log_likelihood(path, flow.model(), torch::zeros({1, 2}, torch::kFloat64), {}, sde), std::invalid_argument);
  c10::InferenceMode inference;
  EXPECT_THROW(log_likelihood(path, flow.model(), torch::zeros({1, 2}, torch::kFloat64), {}), std::logic_error);
}

}  // namespace
}  // namespace grl::generative
