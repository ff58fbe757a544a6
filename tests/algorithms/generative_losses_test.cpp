// Losses on hand-made tensors, the maximum-likelihood time density, and the OT pairing of OT-CFM.
#include "algorithms/generative/losses.h"
#include "algorithms/generative/ot_pairing.h"

#include "generative_test_models.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

namespace grl::generative {
namespace {

ModelFunction identity_model(ModelType type) {
  return {[](const torch::Tensor&, const torch::Tensor& x, const torch::Tensor&) { return x; }, type};
}
ModelFunction zero_model(ModelType type) {
  return {[](const torch::Tensor&, const torch::Tensor& x, const torch::Tensor&) { return torch::zeros_like(x); }, type};
}

TEST(CoreLosses, HandComputedValuesOnTheLinearPath) {
  // Linear path at t = 0.5: s = sigma = 0.5, s' = -1, sigma' = 1.
  const DiffusionPathPtr path = make_diffusion_path("linear");
  const torch::Tensor x0 = torch::tensor({{1.0, 2.0}, {0.0, 0.0}}, torch::kFloat64);
  const torch::Tensor eps = torch::tensor({{0.5, -1.0}, {1.0, 1.0}}, torch::kFloat64);
  const torch::Tensor t = torch::tensor({0.5, 0.5}, torch::kFloat64);
  // x_t = [0.75, 0.5] and [0.5, 0.5]; flow target s' x0 + sigma' eps = [-0.5, -3] and [1, 1].
  const torch::Tensor fm = flow_matching_loss_at(*path, zero_model(ModelType::velocity), x0, {}, t, eps);
  EXPECT_NEAR(fm[0].item<double>(), 0.5 * (0.25 + 9.0), 1e-12);
  EXPECT_NEAR(fm[1].item<double>(), 0.5 * 2.0, 1e-12);
  // Noise model returning x_t: eps_hat - eps = [0.25, 1.5] and [-0.5, -0.5].
  const torch::Tensor sm = score_matching_loss_at(*path, identity_model(ModelType::noise), x0, {}, t, eps);
  EXPECT_NEAR(sm[0].item<double>(), 0.5 * (0.0625 + 2.25), 1e-12);
  EXPECT_NEAR(sm[1].item<double>(), 0.5 * 0.5, 1e-12);
  // The same score loss through a data model: eps_hat = (x_t - s x0_hat)/sigma with x0_hat = x_t = x_t.
  // x_t - 0.5 x_t = 0.5 x_t; / 0.5 = x_t again.
  const torch::Tensor sm_data = score_matching_loss_at(*path, identity_model(ModelType::data), x0, {}, t, eps);
  EXPECT_TRUE(torch::allclose(sm_data, sm, 1e-12, 1e-12));
}

TEST(CoreLosses, ExactModelsReachTheIrreducibleMinimum) {
  // For Gaussian data the exact velocity gives E[l] = E|E[target|x] - target|^2/2, which is smaller
  // than for a perturbed model: the losses reward the right predictions.
  const DiffusionPathPtr path = make_diffusion_path("vpsde");
  const testing::GaussianMixture g{torch::ones({1}, torch::kFloat64), torch::tensor({{0.5, -1.0}}, torch::kFloat64),
                                   torch::tensor({{0.2, 0.6}}, torch::kFloat64)};
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(5);
  const int64_t n = 50000;
  const torch::Tensor x0 = g.means + torch::sqrt(g.variances) * torch::randn({n, 2}, gen, torch::kFloat64);
  const torch::Tensor eps = torch::randn({n, 2}, gen, torch::kFloat64);
  const torch::Tensor t = 0.05 + 0.9 * torch::rand({n}, gen, torch::kFloat64);
  for (const ModelType type : {ModelType::velocity, ModelType::noise}) {
    const ModelFunction exact = g.diffusion_model(path, type);
    const ModelFunction perturbed{[&](const torch::Tensor& tt, const torch::Tensor& x, const torch::Tensor& c) {
                                    return exact(tt, x, c) + 0.1;
                                  },
                                  type};
    const auto loss = [&](const ModelFunction& m) {
      return (type == ModelType::velocity ? flow_matching_loss_at(*path, m, x0, {}, t, eps)
                                          : score_matching_loss_at(*path, m, x0, {}, t, eps))
          .mean()
          .item<double>();
    };
    EXPECT_LT(loss(exact), loss(perturbed) - 0.005) << to_string(type);
  }
}

TEST(CoreLosses, CompatVpSdeChangesTheFlowMatchingTarget) {
  DiffusionPathOptions compat;
  compat.reference_compat = true;
  const auto correct = make_diffusion_path("vpsde");
  const auto reference = make_diffusion_path("vpsde", compat);
  const torch::Tensor x0 = torch::ones({1, 2}, torch::kFloat64), eps = torch::zeros({1, 2}, torch::kFloat64);
  const torch::Tensor t = torch::tensor({0.5}, torch::kFloat64);
  const double l_correct = flow_matching_loss_at(*correct, zero_model(ModelType::velocity), x0, {}, t, eps).item<double>();
  const double l_ref = flow_matching_loss_at(*reference, zero_model(ModelType::velocity), x0, {}, t, eps).item<double>();
  const double s_prime = correct->ds_dt(0.5), s_prime_ref = s_prime + 0.05 * correct->s(0.5);
  EXPECT_NEAR(l_correct, s_prime * s_prime, 1e-12);  // 0.5 * 2 dims * s'^2
  EXPECT_NEAR(l_ref, s_prime_ref * s_prime_ref, 1e-12);
}

TEST(CoreLosses, ConditionalFlowMatchingHandValue) {
  // x_t = 0.75 [0, 1] + 0.25 [2, 3] + 0.1 [1, 0] = [0.6, 1.5]; target x1 - x0 = [2, 2]; v = x_t.
  const torch::Tensor x0 = torch::tensor({{0.0, 1.0}}, torch::kFloat64), x1 = torch::tensor({{2.0, 3.0}}, torch::kFloat64);
  const torch::Tensor z = torch::tensor({{1.0, 0.0}}, torch::kFloat64), t = torch::tensor({0.25}, torch::kFloat64);
  const torch::Tensor l = conditional_flow_matching_loss_at(identity_model(ModelType::velocity), x0, x1, {}, t, z, 0.1);
  EXPECT_NEAR(l.item<double>(), 0.5 * (1.96 + 0.25), 1e-12);
  EXPECT_THROW(conditional_flow_matching_loss_at(identity_model(ModelType::score), x0, x1, {}, t, z, 0.1),
               std::invalid_argument);
}

TEST(CoreLosses, GenerativeLossPerSampleIsReproducibleAndChecksItsInputs) {
  const torch::Tensor data = torch::randn({16, 3}, torch::kFloat64);
  const torch::Tensor condition = torch::randn({16, 4}, torch::kFloat64);
  const ModelFunction model{[](const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor& c) {
                              return x * t.unsqueeze(1) + c.narrow(1, 0, 3);
                            },
                            ModelType::velocity};
  for (const std::string name : {"vpsde", "gvp", "linear", "icfm", "otcfm"}) {
    for (const LossKind kind : {LossKind::score_matching, LossKind::score_matching_ml, LossKind::flow_matching}) {
      const GenerativePath path = make_path(name);
      if (path.is_flow() && kind != LossKind::flow_matching) {
        EXPECT_THROW(GenerativeLoss(path, {kind}), std::invalid_argument);
        continue;
      }
      SCOPED_TRACE(name + " " + to_string(kind));
      const GenerativeLoss loss(path, {kind});
      at::Generator g1 = at::make_generator<at::CPUGeneratorImpl>(9), g2 = at::make_generator<at::CPUGeneratorImpl>(9);
      const torch::Tensor a = loss.per_sample(model, data, condition, g1);
      const torch::Tensor b = loss.per_sample(model, data, condition, g2);
      EXPECT_EQ(a.sizes(), torch::IntArrayRef({16}));
      EXPECT_TRUE(torch::isfinite(a).all().item<bool>());
      EXPECT_TRUE(torch::equal(a, b));
      EXPECT_NEAR(loss.mean(model, data, condition, g1).item<double>(), loss.per_sample(model, data, condition, g2).mean().item<double>(), 1e-12);
    }
  }
  const GenerativeLoss loss(make_path("vpsde"));
  EXPECT_THROW(loss.per_sample(model, data, torch::randn({15, 4}, torch::kFloat64)), std::invalid_argument);
  EXPECT_THROW(loss.per_sample(model, torch::randn({16}, torch::kFloat64), {}), std::invalid_argument);
  EXPECT_EQ(parse_loss_kind("maximum_likelihood"), LossKind::score_matching_ml);
  EXPECT_THROW(parse_loss_kind("dsm"), std::invalid_argument);
}

void check_TableCdfAndSamplesFollowTheAnalyticDensity(const std::string& param) {
  // g^2 / sigma^2 = -2 dlambda/dt, so the CDF on [t_min, t_max] is
  // (lambda(t_min) - lambda(t)) / (lambda(t_min) - lambda(t_max)).
  const DiffusionPathPtr path = make_diffusion_path(param);
  const MaximumLikelihoodTimeSampler sampler(path);
  const double l0 = path->half_log_snr(sampler.t_min()), l1 = path->half_log_snr(sampler.t_max());
  const auto analytic = [&](double t) { return (l0 - path->half_log_snr(t)) / (l0 - l1); };
  for (double t = 2e-5; t < sampler.t_max(); t = t < 1e-3 ? t * 1.7 : t + 0.01) {
    EXPECT_NEAR(sampler.cdf(t), analytic(t), 2e-4) << "t = " << t;
  }
  for (const double u : {0.001, 0.1, 0.5, 0.9, 0.999}) {
    EXPECT_NEAR(analytic(sampler.quantile(u)), u, 2e-4);
  }
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(17);
  const int64_t n = 40000;
  const torch::Tensor t = std::get<0>(sampler.sample(n, torch::kFloat64, gen).sort());
  EXPECT_GE(t.min().item<double>(), sampler.t_min());
  EXPECT_LE(t.max().item<double>(), sampler.t_max());
  // Kolmogorov-Smirnov distance against the analytic CDF (critical value at 0.1% is 1.95/sqrt(n)).
  double ks = 0.0;
  const auto acc = t.accessor<double, 1>();
  for (int64_t i = 0; i < n; i += 7) {
    const double f = analytic(acc[i]);
    ks = std::max({ks, std::abs(f - static_cast<double>(i) / n), std::abs(f - static_cast<double>(i + 1) / n)});
  }
  EXPECT_LT(ks, 1.95 / std::sqrt(static_cast<double>(n)));
  // And the density is far from uniform (so the test can tell them apart).
  EXPECT_GT(std::abs(analytic(0.25) - 0.25), 0.1);
}

TEST(CoreMaximumLikelihoodTimes, TableCdfAndSamplesFollowTheAnalyticDensity) {
  for (const std::string param : {"vpsde", "gvp", "linear"}) {
    SCOPED_TRACE(param);
    check_TableCdfAndSamplesFollowTheAnalyticDensity(param);
  }
}

TEST(CoreMaximumLikelihoodTimes, CompatGvpUsesItsOwnDensity) {
  DiffusionPathOptions compat;
  compat.reference_compat = true;
  const auto path = make_diffusion_path("gvp", compat);
  const MaximumLikelihoodTimeSampler sampler(path);
  // Numerically integrate the reference's g^2/sigma^2 by a fine midpoint rule on [t_min, 0.5].
  const auto density = [&](double t) { return path->g2(t) / (path->sigma(t) * path->sigma(t)); };
  const auto integral = [&](double a, double b) {
    double sum = 0.0;
    const int n = 200000;
    // substitute t = a * (b/a)^u to resolve the 1/t behaviour at a
    for (int i = 0; i < n; ++i) {
      const double u = (i + 0.5) / n, tt = a * std::pow(b / a, u);
      sum += density(tt) * tt * std::log(b / a) / n;
    }
    return sum;
  };
  const double ratio = integral(sampler.t_min(), 0.5) / (integral(sampler.t_min(), 0.5) + integral(0.5, 0.9) +
                                                         integral(0.9, 0.99) + integral(0.99, sampler.t_max()));
  EXPECT_NEAR(sampler.cdf(0.5), ratio, 1e-3);
}

TEST(CoreOptimalTransport, ExactAssignmentEqualsBruteForce) {
  torch::manual_seed(3);
  for (int n = 1; n <= 7; ++n) {
    for (int trial = 0; trial < 6; ++trial) {
      const torch::Tensor cost = torch::rand({n, n}, torch::kFloat64);
      const auto c = cost.accessor<double, 2>();
      std::vector<int64_t> perm(n);
      std::iota(perm.begin(), perm.end(), 0);
      double best = std::numeric_limits<double>::infinity();
      do {
        double total = 0.0;
        for (int i = 0; i < n; ++i) total += c[i][perm[i]];
        best = std::min(best, total);
      } while (std::next_permutation(perm.begin(), perm.end()));
      const std::vector<int64_t> assignment = solve_assignment(cost);
      std::vector<int64_t> sorted = assignment;
      std::sort(sorted.begin(), sorted.end());
      for (int i = 0; i < n; ++i) EXPECT_EQ(sorted[i], i);  // a permutation
      double total = 0.0;
      for (int i = 0; i < n; ++i) total += c[i][assignment[i]];
      EXPECT_NEAR(total, best, 1e-12) << "n = " << n;
    }
  }
  EXPECT_THROW(solve_assignment(torch::zeros({2, 3})), std::invalid_argument);
}

TEST(CoreOptimalTransport, PairingRecoversAPermutationOfTheData) {
  torch::manual_seed(4);
  const torch::Tensor x0 = torch::randn({64, 3}, torch::kFloat64);
  const torch::Tensor perm = torch::randperm(64, torch::kInt64);
  const torch::Tensor x1 = x0.index_select(0, perm) + 1e-3 * torch::randn({64, 3}, torch::kFloat64);
  OtOptions exact;
  exact.method = OtMethod::exact;
  const torch::Tensor source = pair_by_optimal_transport(x0, x1, exact);
  EXPECT_TRUE(torch::equal(source, perm));
}

TEST(CoreOptimalTransport, ChunkedExactIsAPermutationBetweenExactAndRandomCost) {
  torch::manual_seed(6);
  const int64_t n = 300;
  const torch::Tensor x0 = torch::randn({n, 2}, torch::kFloat64), x1 = torch::randn({n, 2}, torch::kFloat64) + 1.0;
  const auto paired_cost = [&](const torch::Tensor& source) {
    return (x1 - x0.index_select(0, source)).pow(2).sum(1).mean().item<double>();
  };
  OtOptions exact;
  exact.method = OtMethod::exact;
  OtOptions chunked;
  chunked.method = OtMethod::chunked_exact;
  chunked.exact_max_batch = 64;  // 5 chunks of 60
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(2);
  const torch::Tensor source = pair_by_optimal_transport(x0, x1, chunked, gen);
  EXPECT_TRUE(torch::equal(std::get<0>(source.sort()), torch::arange(n, torch::kInt64)));  // a permutation
  const double exact_cost = paired_cost(pair_by_optimal_transport(x0, x1, exact));
  const double chunked_cost = paired_cost(source), independent = paired_cost(torch::arange(n, torch::kInt64));
  EXPECT_GE(chunked_cost, exact_cost - 1e-12);
  EXPECT_LT(chunked_cost, 0.5 * (exact_cost + independent));
  // One chunk covering the batch is the exact solution; automatic on a CPU above the limit is chunked.
  chunked.exact_max_batch = n;
  EXPECT_NEAR(paired_cost(pair_by_optimal_transport(x0, x1, chunked, gen)), exact_cost, 1e-12);
  OtOptions automatic;
  automatic.exact_max_batch = 64;
  const torch::Tensor automatic_source = pair_by_optimal_transport(x0, x1, automatic, gen);
  EXPECT_TRUE(torch::equal(std::get<0>(automatic_source.sort()), torch::arange(n, torch::kInt64)));
}

TEST(CoreOptimalTransport, SinkhornMarginalsAndCostApproachTheExactPlan) {
  torch::manual_seed(5);
  const int64_t n = 200;
  const torch::Tensor x0 = torch::randn({n, 2}, torch::kFloat64), x1 = torch::randn({n, 2}, torch::kFloat64) + 1.0;
  const torch::Tensor cost = torch::cdist(x1, x0).pow(2);
  const std::vector<int64_t> assignment = solve_assignment(cost);
  double exact_cost = 0.0;
  for (int64_t j = 0; j < n; ++j) exact_cost += cost[j][assignment[j]].item<double>() / n;
  const double eps = 0.01 * cost.mean().item<double>();
  const torch::Tensor plan = sinkhorn_plan(cost, eps, 3000, 1e-3);
  EXPECT_NEAR(plan.sum().item<double>(), 1.0, 1e-3);
  EXPECT_LT((plan.sum(1) - 1.0 / n).abs().max().item<double>() * n, 1e-3);
  EXPECT_LT((plan.sum(0) - 1.0 / n).abs().max().item<double>() * n, 1e-9);
  const double sinkhorn_cost = (plan * cost).sum().item<double>();
  EXPECT_GE(sinkhorn_cost, exact_cost - 1e-9);
  EXPECT_LT(sinkhorn_cost, 1.05 * exact_cost);
  // Sampled pairing from the plan: indices valid, paired cost far below random pairing.
  OtOptions options;
  options.method = OtMethod::sinkhorn;
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(1);
  const torch::Tensor source = pair_by_optimal_transport(x0, x1, options, gen);
  ASSERT_EQ(source.sizes(), torch::IntArrayRef({n}));
  EXPECT_GE(source.min().item<int64_t>(), 0);
  EXPECT_LT(source.max().item<int64_t>(), n);
  const double paired = (x1 - x0.index_select(0, source)).pow(2).sum(1).mean().item<double>();
  const double independent = (x1 - x0).pow(2).sum(1).mean().item<double>();
  EXPECT_LT(paired, 0.7 * independent);
  EXPECT_LT(paired, 1.5 * exact_cost);
}

}  // namespace
}  // namespace grl::generative
