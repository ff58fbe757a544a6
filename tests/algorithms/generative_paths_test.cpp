// Diffusion and flow paths: every derivative against central finite differences, the SDE identities,
// the half-log-SNR inverse, and the reference-framework compatibility option.
#include "algorithms/generative/diffusion_path.h"
#include "algorithms/generative/path.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace grl::generative {
namespace {

const std::vector<std::string> kPaths = {"vpsde", "gvp", "linear"};

std::vector<double> interior_grid() {
  std::vector<double> t;
  for (int i = 0; i <= 24; ++i) t.push_back(0.02 + 0.96 * i / 24.0);  // away from both singular ends
  return t;
}

double central(const std::function<double(double)>& fn, double t, double h = 1e-6) {
  return (fn(t + h) - fn(t - h)) / (2.0 * h);
}

void check_MatchFiniteDifferencesAndSdeIdentities(const std::string& param) {
  const DiffusionPathPtr path = make_diffusion_path(param);
  for (const double t : interior_grid()) {
    SCOPED_TRACE("t = " + std::to_string(t));
    const double tol = 1e-6 * (1.0 + std::abs(path->g2(t)));
    EXPECT_NEAR(path->ds_dt(t), central([&](double u) { return path->s(u); }, t), 1e-7);
    EXPECT_NEAR(path->dsigma_dt(t), central([&](double u) { return path->sigma(u); }, t), 1e-6);
    EXPECT_NEAR(path->f(t), central([&](double u) { return std::log(path->s(u)); }, t), tol);
    const double dsigma2 = central([&](double u) { return path->sigma(u) * path->sigma(u); }, t);
    EXPECT_NEAR(path->g2(t), dsigma2 - 2.0 * path->f(t) * path->sigma(t) * path->sigma(t), tol);
    EXPECT_NEAR(path->ds_dt(t), path->f(t) * path->s(t), 1e-12);
    EXPECT_NEAR(path->half_log_snr(t), std::log(path->s(t)) - std::log(path->sigma(t)), 1e-12);
    EXPECT_NEAR(path->time_from_half_log_snr(path->half_log_snr(t)), t, 1e-10);
    EXPECT_LT(path->half_log_snr(t + 0.01), path->half_log_snr(t));  // strictly decreasing
  }
}

void check_TensorFormulasEqualScalarOnesAndAutogradDerivatives(const std::string& param) {
  const DiffusionPathPtr path = make_diffusion_path(param);
  const std::vector<double> grid = interior_grid();
  const torch::Tensor t = torch::tensor(grid, torch::kFloat64).requires_grad_(true);
  const torch::Tensor s = path->s(t), sigma = path->sigma(t);
  const torch::Tensor ds = torch::autograd::grad({s.sum()}, {t}, {}, true)[0];
  const torch::Tensor dsigma = torch::autograd::grad({sigma.sum()}, {t})[0];
  const torch::Tensor lambda = path->half_log_snr(t.detach());
  for (size_t i = 0; i < grid.size(); ++i) {
    const double ti = grid[i];
    EXPECT_NEAR(s[i].item<double>(), path->s(ti), 1e-14);
    EXPECT_NEAR(sigma[i].item<double>(), path->sigma(ti), 1e-14);
    EXPECT_NEAR(ds[i].item<double>(), path->ds_dt(ti), 1e-10);
    EXPECT_NEAR(dsigma[i].item<double>(), path->dsigma_dt(ti), 1e-10);
    EXPECT_NEAR(path->f(t.detach())[i].item<double>(), path->f(ti), 1e-12);
    EXPECT_NEAR(path->g2(t.detach())[i].item<double>(), path->g2(ti), 1e-10);
    EXPECT_NEAR(lambda[i].item<double>(), path->half_log_snr(ti), 1e-12);
  }
  EXPECT_TRUE(torch::allclose(path->time_from_half_log_snr(lambda), t.detach(), 1e-12, 1e-10));
  // Float32 inputs stay float32.
  EXPECT_EQ(path->g2(torch::full({3}, 0.5f)).scalar_type(), torch::kFloat32);
}

TEST(CorePathDerivatives, MatchFiniteDifferencesAndSdeIdentities) {
  for (const std::string& param : kPaths) {
    SCOPED_TRACE(param);
    check_MatchFiniteDifferencesAndSdeIdentities(param);
  }
}

TEST(CorePathDerivatives, TensorFormulasEqualScalarOnesAndAutogradDerivatives) {
  for (const std::string& param : kPaths) {
    SCOPED_TRACE(param);
    check_TensorFormulasEqualScalarOnesAndAutogradDerivatives(param);
  }
}

TEST(CoreDiffusionPathValues, MatchTheTableOfAlgorithmsMd) {
  const auto vp = make_diffusion_path("vpsde");
  EXPECT_NEAR(vp->s(1.0), std::exp(-(19.9 / 4.0 + 0.05)), 1e-15);
  EXPECT_NEAR(vp->f(0.5), -(0.1 + 0.5 * 19.9) / 2.0, 1e-15);
  EXPECT_NEAR(vp->g2(0.5), 0.1 + 0.5 * 19.9, 1e-12);
  EXPECT_NEAR(vp->sigma(0.3), std::sqrt(1.0 - vp->s(0.3) * vp->s(0.3)), 1e-15);
  const auto gvp = make_diffusion_path("gvp");
  EXPECT_NEAR(gvp->g2(0.4), M_PI * std::tan(M_PI * 0.2), 1e-12);
  EXPECT_NEAR(gvp->f(0.4), -M_PI / 2.0 * std::tan(M_PI * 0.2), 1e-12);
  const auto linear = make_diffusion_path("linear");
  EXPECT_NEAR(linear->g2(0.25), 2 * 0.25 + 2 * 0.0625 / 0.75, 1e-15);
  EXPECT_NEAR(linear->f(0.25), -1.0 / 0.75, 1e-15);
  // Custom betas.
  DiffusionPathOptions options;
  options.beta0 = 0.5;
  options.beta1 = 5.0;
  const auto custom = make_diffusion_path("vpsde", options);
  EXPECT_NEAR(custom->g2(0.5), 0.5 + 0.5 * 4.5, 1e-15);
  EXPECT_NEAR(custom->time_from_half_log_snr(custom->half_log_snr(0.7)), 0.7, 1e-12);
}

TEST(CoreDiffusionPathCompat, ReproducesTheReferenceFrameworkVpSdeDerivative) {
  DiffusionPathOptions compat_options;
  compat_options.reference_compat = true;
  const auto correct = make_diffusion_path("vpsde");
  const auto compat = make_diffusion_path("vpsde", compat_options);
  for (const double t : interior_grid()) {
    // Reference: s'(t) = -t (beta1 - beta0)/2 s(t); sigma' = -s s'/sigma derived from it.
    const double ref_ds = -0.5 * t * (20.0 - 0.1) * correct->s(t);
    EXPECT_NEAR(compat->ds_dt(t), ref_ds, 1e-14);
    EXPECT_NEAR(compat->dsigma_dt(t), -correct->s(t) * ref_ds / correct->sigma(t), 1e-12);
    // It is wrong by exactly -beta0/2 s(t), which finite differences see.
    EXPECT_NEAR(compat->ds_dt(t) - correct->ds_dt(t), 0.05 * correct->s(t), 1e-12);
    EXPECT_GT(std::abs(compat->ds_dt(t) - central([&](double u) { return correct->s(u); }, t)), 1e-3 * correct->s(t));
    // f and g^2 are untouched.
    EXPECT_EQ(compat->f(t), correct->f(t));
    EXPECT_EQ(compat->g2(t), correct->g2(t));
  }
}

TEST(CoreDiffusionPathCompat, ReproducesTheReferenceFrameworkGvpDiffusion) {
  DiffusionPathOptions compat_options;
  compat_options.reference_compat = true;
  const auto correct = make_diffusion_path("gvp");
  const auto compat = make_diffusion_path("gvp", compat_options);
  for (const double t : interior_grid()) {
    const double sn = std::sin(M_PI * t / 2), tn = std::tan(M_PI * t / 2);
    EXPECT_NEAR(compat->g2(t), M_PI * sn + sn * sn * tn, 1e-12);
    if (t > 0.2) {  // they agree to O(t^3) near 0
      EXPECT_GT(std::abs(compat->g2(t) - correct->g2(t)), 1e-2);
    }
    EXPECT_EQ(compat->ds_dt(t), correct->ds_dt(t));
    EXPECT_EQ(compat->f(t), correct->f(t));
  }
  // The linear path has no bug to reproduce.
  const auto linear_compat = make_diffusion_path("linear", compat_options);
  EXPECT_EQ(linear_compat->g2(0.3), make_diffusion_path("linear")->g2(0.3));
}

TEST(CorePathFactory, NamesKindsAndErrors) {
  EXPECT_EQ(make_path("vpsde").kind, PathKind::vpsde);
  EXPECT_EQ(make_path("linear_vp_sde").kind, PathKind::vpsde);
  EXPECT_EQ(make_path("gvp").diffusion->name(), "gvp");
  EXPECT_EQ(make_path("linear").kind, PathKind::linear);
  const GenerativePath icfm = make_path("icfm");
  EXPECT_TRUE(icfm.is_flow());
  EXPECT_EQ(icfm.diffusion, nullptr);
  EXPECT_DOUBLE_EQ(icfm.flow.sigma, 0.1);
  EXPECT_EQ(make_path("otcfm").name(), "otcfm");
  try {
    make_path("vpdse");
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'vpdse'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("otcfm"), std::string::npos) << e.what();
  }
  DiffusionPathOptions bad;
  bad.beta1 = 0.05;
  EXPECT_THROW(make_diffusion_path("vpsde", bad), std::invalid_argument);
  PathOptions negative;
  negative.flow.sigma = -1.0;
  EXPECT_THROW(make_path("icfm", negative), std::invalid_argument);
}

}  // namespace
}  // namespace grl::generative
