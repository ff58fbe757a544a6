// GMPG's gradient through the sampler: discrete adjoint against plain autograd and against central
// finite differences (double precision, small networks) with log pi from the sampler's steps and from the
// likelihood ODE, the sampler's log-density against finite differences of the whole sampler map, the KL
// term at pi = mu, REINFORCE weights, and a few policy steps on a one-step problem with a known better
// action region.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "algorithms/generative/likelihood.h"
#include "algorithms/generative_policy.h"
#include "algorithms/gmpg/discrete_adjoint.h"
#include "algorithms/gmpg/gmpg.h"
#include "algorithms/gmpg/policy_gradient.h"

namespace grl::gmpg {
namespace {

constexpr int64_t kStateDim = 2, kActionDim = 2;

GenerativePolicy small_policy(const std::string& path, const std::string& model_type = "velocity") {
  GenerativePolicyConfig c;
  c.path = path;
  c.model_type = model_type;
  c.loss = model_type == "velocity" ? "flow_matching" : "score_matching";
  c.network.name = "mlp";
  c.network.hidden = {12, 12};
  c.network.activation = "tanh";
  c.network.time_frequencies = 3;
  c.network.time_scale = 1.0;
  GenerativePolicy p(c, kStateDim, kActionDim);
  p->to(torch::kFloat64);
  return p;
}

// pi = mu with every parameter nudged, so that pi and mu differ (the KL term is then non-zero).
GenerativePolicy perturbed_copy(const GenerativePolicy& mu, double scale) {
  GenerativePolicy pi(mu->config(), kStateDim, kActionDim);
  pi->to(torch::kFloat64);
  copy_policy_weights(*mu, *pi);
  torch::NoGradGuard no_grad;
  for (auto& p : pi->parameters()) p.add_(scale * torch::randn_like(p));
  return pi;
}

// A smooth critic with a maximum at a = (1 - s_1, -1 + s_0 / 2).
torch::Tensor quadratic_q(const torch::Tensor& s, const torch::Tensor& a) {
  const torch::Tensor target = torch::stack({1.0 - s.select(1, 1), -1.0 + 0.5 * s.select(1, 0)}, 1);
  return -(a - target).pow(2).sum(1);
}

PolicyGradientOptions small_options() {
  PolicyGradientOptions o;
  o.beta = 0.7;
  o.grid_points = 9;
  o.likelihood_grid_points = 5;
  o.likelihood_solver = generative::SolverKind::rk4;
  return o;
}

torch::Tensor flat_grad(GenerativePolicyImpl& policy) {
  std::vector<torch::Tensor> parts;
  for (const auto& p : policy.parameters()) parts.push_back(p.grad().defined() ? p.grad().flatten() : torch::zeros_like(p).flatten());
  return torch::cat(parts);
}

torch::Tensor gradient_of(GenerativePolicyImpl& pi, GenerativePolicyImpl& mu, const torch::Tensor& s,
                          const torch::Tensor& z, const PolicyGradientOptions& o) {
  for (auto& p : pi.parameters()) p.mutable_grad() = torch::Tensor();
  gmpg_gradient(pi, mu, quadratic_q, s, z, o);
  return flat_grad(pi);
}

struct Problem {
  GenerativePolicy mu{nullptr}, pi{nullptr};
  torch::Tensor states, noise;
};

Problem make_problem(const std::string& path, const std::string& model_type = "velocity", int64_t rows = 5) {
  torch::manual_seed(3);
  Problem p;
  p.mu = small_policy(path, model_type);
  p.pi = perturbed_copy(p.mu, 0.05);
  p.states = torch::randn({rows, kStateDim}, torch::kFloat64);
  p.noise = torch::randn({rows, kActionDim}, torch::kFloat64);
  return p;
}

TEST(GmpgDiscreteAdjoint, EqualsAutogradThroughTheUnrolledSolvers) {
  for (const auto& [path, type] : std::vector<std::pair<std::string, std::string>>{
           {"gvp", "velocity"}, {"icfm", "velocity"}, {"vpsde", "noise"}}) {
    for (const PolicyLogLikelihood log_pi : {PolicyLogLikelihood::sampler_steps, PolicyLogLikelihood::likelihood_ode}) {
      SCOPED_TRACE(to_string(log_pi));
      Problem p = make_problem(path, type);
      PolicyGradientOptions o = small_options();
      o.log_pi = log_pi;
      o.method = GradientMethod::autograd;
      const torch::Tensor reference = gradient_of(*p.pi, *p.mu, p.states, p.noise, o);
      o.method = GradientMethod::discrete_adjoint;
      const torch::Tensor adjoint = gradient_of(*p.pi, *p.mu, p.states, p.noise, o);
      ASSERT_GT(reference.abs().max().item<double>(), 1e-3) << path;
      EXPECT_LT((adjoint - reference).abs().max().item<double>(), 1e-10) << path;
      // Checkpointing every third state and micro-batches of two rows give the same gradient.
      o.adjoint_stride = 3;
      o.micro_batch = 2;
      const torch::Tensor strided = gradient_of(*p.pi, *p.mu, p.states, p.noise, o);
      EXPECT_LT((strided - reference).abs().max().item<double>(), 1e-10) << path;
      // The batched exact divergence gives the same gradient.
      o.divergence = generative::DivergenceMethod::exact_batched;
      const torch::Tensor batched = gradient_of(*p.pi, *p.mu, p.states, p.noise, o);
      EXPECT_LT((batched - reference).abs().max().item<double>(), 1e-10) << path;
    }
  }
}

TEST(GmpgDiscreteAdjoint, HeunSamplerAndEulerLikelihoodAlsoExact) {
  Problem p = make_problem("gvp");
  PolicyGradientOptions o = small_options();
  o.solver = generative::SolverKind::heun;
  o.likelihood_solver = generative::SolverKind::euler;
  for (const PolicyLogLikelihood log_pi : {PolicyLogLikelihood::sampler_steps, PolicyLogLikelihood::likelihood_ode}) {
    o.log_pi = log_pi;
    o.method = GradientMethod::autograd;
    const torch::Tensor reference = gradient_of(*p.pi, *p.mu, p.states, p.noise, o);
    o.method = GradientMethod::discrete_adjoint;
    EXPECT_LT((gradient_of(*p.pi, *p.mu, p.states, p.noise, o) - reference).abs().max().item<double>(), 1e-10)
        << to_string(log_pi);
  }
}

// The sampler's map z -> a for one noise batch; each row depends on its own noise row only.
torch::Tensor sampler_map(const GenerativePolicy& policy, const torch::Tensor& states, const torch::Tensor& noise,
                          const PolicyGradientOptions& o) {
  return sample_on_gradient_grid(*policy, states, noise, o);
}

// log N(z) - log|det da/dz| with da/dz by central differences of the whole sampler: the density of the
// discrete sampler's output, computed without looking at its steps.
torch::Tensor finite_difference_log_density(const GenerativePolicy& policy, const torch::Tensor& states,
                                            const torch::Tensor& noise, const PolicyGradientOptions& o) {
  const double eps = 1e-5;
  std::vector<torch::Tensor> columns;  // d a / d z_j: [B, A]
  for (int64_t j = 0; j < kActionDim; ++j) {
    torch::Tensor up = noise.clone(), down = noise.clone();
    up.select(1, j).add_(eps);
    down.select(1, j).sub_(eps);
    columns.push_back((sampler_map(policy, states, up, o) - sampler_map(policy, states, down, o)) / (2 * eps));
  }
  const torch::Tensor jacobian = torch::stack(columns, 2);  // [B, A(output), A(noise)]
  return generative::standard_normal_log_prob(noise) - std::get<1>(torch::linalg_slogdet(jacobian));
}

TEST(GmpgSamplerLogDensity, IsTheExactDensityOfTheDiscreteSampler) {
  for (const auto& [path, type] : std::vector<std::pair<std::string, std::string>>{
           {"gvp", "velocity"}, {"icfm", "velocity"}, {"vpsde", "noise"}}) {
    for (const generative::SolverKind solver : {generative::SolverKind::euler, generative::SolverKind::rk4}) {
      Problem p = make_problem(path, type);
      PolicyGradientOptions o = small_options();
      o.solver = solver;
      const SampledActions sampled = sample_with_log_prob(*p.pi, p.states, p.noise, o);
      EXPECT_LT((sampled.actions - sample_on_gradient_grid(*p.pi, p.states, p.noise, o)).abs().max().item<double>(),
                1e-14);
      const torch::Tensor reference = finite_difference_log_density(p.pi, p.states, p.noise, o);
      EXPECT_LT((sampled.log_prob - reference).abs().max().item<double>(), 1e-7)
          << path << " " << generative::to_string(solver) << ": " << sampled.log_prob << reference;
      // The batched Jacobian gives the same numbers.
      o.divergence = generative::DivergenceMethod::exact_batched;
      EXPECT_LT((sample_with_log_prob(*p.pi, p.states, p.noise, o).log_prob - sampled.log_prob).abs().max().item<double>(),
                1e-12);
    }
  }
}

TEST(GmpgSamplerLogDensity, ConvergesToTheLikelihoodOdeAtFirstOrder) {
  // Both are discretisations of the same continuous flow's density: the Euler sampler's exact density
  // differs from the flow's by O(h), which a fine RK4 likelihood solve stands in for.
  Problem p = make_problem("gvp");
  torch::NoGradGuard no_grad;
  auto gap = [&](int grid_points) {
    PolicyGradientOptions o = small_options();
    o.grid_points = grid_points;
    const SampledActions sampled = sample_with_log_prob(*p.pi, p.states, p.noise, o);
    generative::LikelihoodOptions lo;
    lo.solver = generative::SolverKind::rk4;
    lo.grid_points = 401;
    const torch::Tensor ode = generative::log_likelihood(p.pi->path(), p.pi->model_function(), sampled.actions, p.states, lo);
    return (sampled.log_prob - ode).abs().max().item<double>();
  };
  const double coarse = gap(11), fine = gap(101);
  EXPECT_GT(coarse, 1e-4);
  EXPECT_GT(coarse / fine, 6.0) << coarse << " " << fine;  // first order: 10x for a 10x finer grid
  EXPECT_LT(fine, 0.05);
}

TEST(GmpgDiscreteAdjoint, StoresOnlyCheckpointedStates) {
  // x_{k+1} = x_k (1 + w h): the adjoint of the product is known in closed form.
  const torch::Tensor w = torch::tensor({0.3}, torch::kFloat64).requires_grad_(true);
  const int64_t steps = 100;
  const double h = 0.01;
  const GridStep step = [&](int64_t, const torch::Tensor& x) { return GridStepOutput{x * (1.0 + w * h), torch::Tensor()}; };
  for (const int64_t stride : {1, 10, 7}) {
    DiscreteAdjointSolve solve(step, steps, stride);
    solve.forward(torch::tensor({2.0}, torch::kFloat64));
    EXPECT_EQ(solve.stored_states(), (steps + stride - 1) / stride);
    const double growth = std::pow(1.0 + 0.3 * h, static_cast<double>(steps));
    EXPECT_NEAR(solve.final_state().item<double>(), 2.0 * growth, 1e-12);
    std::vector<torch::Tensor> grads;
    const torch::Tensor dx0 = solve.backward(torch::ones({1}, torch::kFloat64), torch::Tensor(), {w}, grads);
    EXPECT_NEAR(dx0.item<double>(), growth, 1e-12);
    // d x_K / d w = x_0 K h (1 + w h)^(K - 1)
    EXPECT_NEAR(grads[0].item<double>(), 2.0 * steps * h * std::pow(1.0 + 0.3 * h, steps - 1.0), 1e-10);
    EXPECT_EQ(solve.stored_states(), 0);
    EXPECT_THROW(solve.backward(torch::ones({1}, torch::kFloat64), torch::Tensor(), {w}, grads), std::logic_error);
  }
  EXPECT_THROW(DiscreteAdjointSolve(step, 0), std::invalid_argument);
  EXPECT_THROW(DiscreteAdjointSolve(step, 3, 0), std::invalid_argument);
}

TEST(GmpgPolicyGradient, SamplerAndLikelihoodStepsAreTheCoresSolvers) {
  Problem p = make_problem("vpsde", "noise");
  PolicyGradientOptions o = small_options();
  torch::Tensor core;
  {
    torch::NoGradGuard no_grad;
    generative::SamplerOptions so = p.pi->sampler_options();
    so.grid_points = o.grid_points;
    core = generative::sample(p.pi->path(), p.pi->model_function(), p.noise, p.states, so);
  }
  const torch::Tensor mine = sample_on_gradient_grid(*p.pi, p.states, p.noise, o);
  EXPECT_LT((mine - core).abs().max().item<double>(), 1e-12);

  generative::LikelihoodOptions lo;
  lo.solver = o.likelihood_solver;
  lo.grid_points = o.likelihood_grid_points;
  torch::NoGradGuard no_grad;
  const torch::Tensor log_p = generative::log_likelihood(p.pi->path(), p.pi->model_function(), mine, p.states, lo);
  DiscreteAdjointSolve solve(make_likelihood_step(*p.pi, p.states, o.likelihood_grid_points, o.likelihood_solver),
                             o.likelihood_grid_points - 1);
  solve.forward(mine);
  const torch::Tensor stepwise = generative::standard_normal_log_prob(solve.final_state()) - solve.total_increment();
  EXPECT_LT((stepwise - log_p).abs().max().item<double>(), 1e-12);
}

// Central differences of L in a few parameter entries, against the discrete adjoint's gradient.
void expect_matches_finite_differences(Problem& p, const PolicyGradientOptions& o) {
  for (auto& q : p.pi->parameters()) q.mutable_grad() = torch::Tensor();
  gmpg_gradient(*p.pi, *p.mu, quadratic_q, p.states, p.noise, o);
  auto parameters = p.pi->parameters();
  const double eps = 1e-6;
  int checked = 0;
  for (std::size_t i = 0; i < parameters.size(); i += 2) {
    torch::Tensor param = parameters[i];
    const int64_t index = param.numel() / 2;
    const double analytic = param.grad().flatten()[index].item<double>();
    torch::Tensor flat = param.data().view({-1});
    const double original = flat[index].item<double>();
    flat[index] = original + eps;
    const double up = gmpg_loss(*p.pi, *p.mu, quadratic_q, p.states, p.noise, o).loss;
    flat[index] = original - eps;
    const double down = gmpg_loss(*p.pi, *p.mu, quadratic_q, p.states, p.noise, o).loss;
    flat[index] = original;
    const double numeric = (up - down) / (2 * eps);
    EXPECT_NEAR(analytic, numeric, 1e-7 + 1e-6 * std::abs(numeric)) << "parameter " << i << " entry " << index;
    ++checked;
  }
  EXPECT_GE(checked, 3);
}

TEST(GmpgPolicyGradient, MatchesCentralFiniteDifferences) {
  for (const std::string path : {"gvp", "icfm"}) {
    for (const PolicyLogLikelihood log_pi : {PolicyLogLikelihood::sampler_steps, PolicyLogLikelihood::likelihood_ode}) {
      SCOPED_TRACE(path + " " + to_string(log_pi));
      Problem p = make_problem(path);
      PolicyGradientOptions o = small_options();
      o.log_pi = log_pi;
      expect_matches_finite_differences(p, o);
    }
  }
}

TEST(GmpgPolicyGradient, KlTermIsZeroAtPiEqualsMuAndItsGradientMatchesFiniteDifferences) {
  Problem p = make_problem("gvp");
  copy_policy_weights(*p.mu, *p.pi);
  PolicyGradientOptions o = small_options();
  o.beta = 0.0;  // L is the KL term alone
  // Both likelihoods by the same ODE solve: at pi = mu they agree to the last bit.
  o.log_pi = PolicyLogLikelihood::likelihood_ode;
  const PolicyGradientStats at_mu = gmpg_loss(*p.pi, *p.mu, quadratic_q, p.states, p.noise, o);
  EXPECT_EQ(at_mu.kl_bits, 0.0);
  EXPECT_EQ(at_mu.loss, 0.0);
  EXPECT_LT(at_mu.log_pi_bits, 0.0 + 10.0);  // a finite log-density
  // Its gradient at pi = mu: only log pi_theta's direct dependence on theta remains; not zero per batch.
  for (auto& q : p.pi->parameters()) q.mutable_grad() = torch::Tensor();
  gmpg_gradient(*p.pi, *p.mu, quadratic_q, p.states, p.noise, o);
  EXPECT_GT(flat_grad(*p.pi).abs().max().item<double>(), 1e-4);
  expect_matches_finite_differences(p, o);
  // Away from mu the KL estimate moves off zero.
  Problem q = make_problem("gvp");
  EXPECT_NE(gmpg_loss(*q.pi, *q.mu, quadratic_q, q.states, q.noise, o).kl_bits, 0.0);
}

// The default log pi is log mu's estimator (the likelihood ODE on the same grid), as in the original:
// at pi = mu the KL estimate is 0. The sampler's exact density, kept as an option, is off by the grids'
// discretisation error there (ConvergesToTheLikelihoodOdeAtFirstOrder measures its order).
TEST(GmpgPolicyGradient, DefaultLogPiIsLogMusEstimatorSoTheKlVanishesAtPiEqualsMu) {
  EXPECT_EQ(PolicyGradientOptions{}.log_pi, PolicyLogLikelihood::likelihood_ode);
  EXPECT_EQ(GmpgPolicyConfig{}.log_pi, "likelihood_ode");
  EXPECT_EQ(policy_gradient_options(GmpgPolicyConfig{}).log_pi, PolicyLogLikelihood::likelihood_ode);
  Problem p = make_problem("gvp");
  copy_policy_weights(*p.mu, *p.pi);
  PolicyGradientOptions o = small_options();
  o.beta = 0.0;
  EXPECT_NEAR(gmpg_loss(*p.pi, *p.mu, quadratic_q, p.states, p.noise, o).kl_bits, 0.0, 1e-6);
  o.log_pi = PolicyLogLikelihood::sampler_steps;
  EXPECT_GT(std::abs(gmpg_loss(*p.pi, *p.mu, quadratic_q, p.states, p.noise, o).kl_bits), 1e-4);
}

TEST(GmpgReinforce, WeightsOnHandMadeTensors) {
  const torch::Tensor q = torch::tensor({0.0, 0.5, 10.0, -2.0}, torch::kFloat64);
  const torch::Tensor v = torch::tensor({0.0, 0.0, 0.0, -1.0}, torch::kFloat64);
  const torch::Tensor w = reinforce_weights(q, v, 2.0, 5.0);
  // min(exp(2 (q - v)), 5) / 5
  EXPECT_NEAR(w[0].item<double>(), 1.0 / 5.0, 1e-15);
  EXPECT_NEAR(w[1].item<double>(), std::exp(1.0) / 5.0, 1e-15);
  EXPECT_NEAR(w[2].item<double>(), 1.0, 1e-15);
  EXPECT_NEAR(w[3].item<double>(), std::exp(-2.0) / 5.0, 1e-15);
  EXPECT_FALSE(reinforce_weights(q.clone().requires_grad_(true), v, 1.0, 1.0).requires_grad());
  EXPECT_THROW(reinforce_weights(q, v, 1.0, 0.0), std::invalid_argument);
}

TEST(GmpgReinforce, AdjointEqualsAutogradOfTheSurrogate) {
  Problem p = make_problem("icfm");
  const VFunction v = [](const torch::Tensor& s) { return -s.pow(2).sum(1); };
  PolicyGradientOptions o = small_options();
  o.weight_clamp = 3.0;
  auto gradient = [&](GradientMethod method) {
    o.method = method;
    for (auto& q : p.pi->parameters()) q.mutable_grad() = torch::Tensor();
    const PolicyGradientStats stats = reinforce_gradient(*p.pi, *p.mu, quadratic_q, v, p.states, p.noise, o);
    EXPECT_GT(stats.weight_mean, 0.0);
    EXPECT_LE(stats.weight_mean, 1.0);
    return flat_grad(*p.pi);
  };
  const torch::Tensor reference = gradient(GradientMethod::autograd);
  const torch::Tensor adjoint = gradient(GradientMethod::discrete_adjoint);
  ASSERT_GT(reference.abs().max().item<double>(), 1e-4);
  EXPECT_LT((adjoint - reference).abs().max().item<double>(), 1e-10);
}

TEST(GmpgPolicyGradient, FewStepsRaiseTheMeanQOfSampledActions) {
  torch::manual_seed(5);
  GenerativePolicy mu = small_policy("gvp");
  GenerativePolicy pi = perturbed_copy(mu, 0.0);
  const torch::Tensor states = torch::randn({64, kStateDim}, torch::kFloat64);
  const torch::Tensor eval_noise = torch::randn({64, kActionDim}, torch::kFloat64);
  PolicyGradientOptions o = small_options();
  o.beta = 5.0;
  auto mean_q = [&] { return quadratic_q(states, sample_on_gradient_grid(*pi, states, eval_noise, o)).mean().item<double>(); };
  const double before = mean_q();
  torch::optim::Adam adam(pi->parameters(), torch::optim::AdamOptions(1e-2));
  for (int step = 0; step < 8; ++step) {
    adam.zero_grad();
    gmpg_gradient(*pi, *mu, quadratic_q, states, torch::randn({64, kActionDim}, torch::kFloat64), o);
    adam.step();
  }
  const double after = mean_q();
  EXPECT_GT(after, before + 0.25 * std::abs(before)) << "before " << before << " after " << after;
  // mu was not touched.
  for (const auto& p : mu->parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(GmpgPolicyGradient, BadInputIsRejected) {
  Problem p = make_problem("gvp");
  PolicyGradientOptions o = small_options();
  EXPECT_THROW(gmpg_gradient(*p.pi, *p.mu, quadratic_q, torch::randn({5, 3}, torch::kFloat64), p.noise, o),
               std::invalid_argument);
  EXPECT_THROW(gmpg_gradient(*p.pi, *p.mu, quadratic_q, p.states, torch::randn({4, 2}, torch::kFloat64), o),
               std::invalid_argument);
  o.solver = generative::SolverKind::dopri5;
  EXPECT_THROW(gmpg_gradient(*p.pi, *p.mu, quadratic_q, p.states, p.noise, o), std::invalid_argument);
  o = small_options();
  o.divergence = generative::DivergenceMethod::hutchinson;
  EXPECT_THROW(o.check(), std::invalid_argument);
  o = small_options();
  o.grid_points = 1;
  EXPECT_THROW(o.check(), std::invalid_argument);
  EXPECT_THROW(parse_gradient_method("adjoint"), std::invalid_argument);
  EXPECT_THROW(parse_policy_log_likelihood("exact"), std::invalid_argument);
  EXPECT_EQ(parse_policy_log_likelihood(to_string(PolicyLogLikelihood::likelihood_ode)), PolicyLogLikelihood::likelihood_ode);
}

}  // namespace
}  // namespace grl::gmpg
