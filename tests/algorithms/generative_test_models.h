// Analytic models for the generative-core tests: Gaussian mixtures with diagonal covariances whose
// score, noise, data and velocity predictions are known in closed form on every diffusion path, and
// whose ICFM marginal velocity is known in flow time. No training involved.
#pragma once

#include "algorithms/generative/diffusion_path.h"
#include "algorithms/generative/model_type.h"

#include <torch/torch.h>

#include <vector>

namespace grl::generative::testing {

struct GaussianMixture {
  torch::Tensor weights;    // [K]
  torch::Tensor means;      // [K, D]
  torch::Tensor variances;  // [K, D] (diagonal covariances)

  int64_t dim() const { return means.size(1); }

  torch::Tensor mean() const { return (weights.unsqueeze(1) * means).sum(0); }
  torch::Tensor covariance() const {
    const torch::Tensor m = mean();
    torch::Tensor cov = torch::zeros({dim(), dim()}, means.options());
    for (int64_t k = 0; k < weights.size(0); ++k) {
      const torch::Tensor d = (means[k] - m).unsqueeze(1);
      cov = cov + weights[k] * (torch::diag(variances[k]) + d.matmul(d.t()));
    }
    return cov;
  }

  // Posterior quantities at time t [B] for x [B, D], for x_t = a x0 + b eps + c xi where x0 follows
  // the mixture, eps, xi ~ N(0, I): per component k, x_t ~ N(a mu_k, a^2 var_k + b^2 + c^2).
  struct Posterior {
    torch::Tensor responsibilities;  // [B, K]
    torch::Tensor mean_x0;           // E[x0 | x] [B, D]
    torch::Tensor mean_eps;          // E[eps | x] [B, D]
    torch::Tensor score;             // grad log p_t(x) [B, D]
  };
  Posterior posterior(const torch::Tensor& a_in, const torch::Tensor& b_in, const torch::Tensor& c_in,
                      const torch::Tensor& x) const {
    const torch::Tensor a = a_in.reshape({-1, 1, 1}), b = b_in.reshape({-1, 1, 1}), c = c_in.reshape({-1, 1, 1});
    const torch::Tensor xe = x.unsqueeze(1);                        // [B, 1, D]
    const torch::Tensor mu = means.unsqueeze(0), var = variances.unsqueeze(0);  // [1, K, D]
    const torch::Tensor v = a * a * var + b * b + c * c;            // [B, K, D]
    const torch::Tensor diff = xe - a * mu;
    const torch::Tensor log_n = (-0.5 * (diff * diff / v + torch::log(2.0 * M_PI * v))).sum(2);
    const torch::Tensor r = torch::softmax(log_n + torch::log(weights).unsqueeze(0), 1);  // [B, K]
    const torch::Tensor rk = r.unsqueeze(2);
    Posterior p;
    p.responsibilities = r;
    p.mean_x0 = (rk * (mu + a * var * diff / v)).sum(1);
    p.mean_eps = (rk * (b * diff / v)).sum(1);
    p.score = (rk * (-diff / v)).sum(1);
    return p;
  }

  // The exact model of type `type` on a diffusion path.
  ModelFunction diffusion_model(DiffusionPathPtr path, ModelType type) const {
    GaussianMixture self = *this;
    return {[self, path, type](const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor&) {
              const Posterior p = self.posterior(path->s(t), path->sigma(t), torch::zeros_like(t), x);
              const torch::Tensor tb = t.reshape({-1, 1});
              switch (type) {
                case ModelType::score: return p.score;
                case ModelType::noise: return p.mean_eps;
                case ModelType::data: return p.mean_x0;
                case ModelType::velocity: {
                  // E[s' x0 + sigma' eps | x] with sigma' E[eps | x] written through sigma sigma' (finite
                  // at t = 0 where the VP-SDE's sigma' is infinite): sigma sigma' = (g^2 + 2 f sigma^2)/2
                  // there, sigma * sigma' elsewhere (GVP and linear have infinite g^2 at t = 1).
                  const torch::Tensor sg = path->sigma(tb);
                  const torch::Tensor half_dsigma2 = torch::where(
                      sg > 0, sg * path->dsigma_dt(tb), 0.5 * path->g2(tb) + path->f(tb) * sg * sg);
                  // E[eps | x] / sigma = -score.
                  return path->ds_dt(tb) * p.mean_x0 - half_dsigma2 * p.score;
                }
              }
              return p.score;
            },
            type};
  }

  // ICFM in flow time: x_t = (1 - t) z + t x1 + sigma xi; the marginal velocity E[x1 - z | x_t].
  ModelFunction icfm_velocity(double sigma) const {
    GaussianMixture self = *this;
    return {[self, sigma](const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor&) {
              // Treat x1 as "x0" with scale t, z as "eps" with scale 1 - t, xi with scale sigma.
              const Posterior p = self.posterior(t, 1.0 - t, torch::full_like(t, sigma), x);
              return p.mean_x0 - p.mean_eps;
            },
            ModelType::velocity};
  }
};

inline GaussianMixture mixture_1d() {
  const auto o = torch::kFloat64;
  return {torch::tensor({0.3, 0.7}, o), torch::tensor({-1.0, 1.5}, o).reshape({2, 1}),
          torch::tensor({0.1, 0.3}, o).reshape({2, 1})};
}

inline GaussianMixture mixture_2d() {
  const auto o = torch::kFloat64;
  return {torch::tensor({0.5, 0.3, 0.2}, o), torch::tensor({{-1.0, 0.5}, {1.0, 1.0}, {0.5, -1.5}}, o),
          torch::tensor({{0.2, 0.1}, {0.1, 0.3}, {0.15, 0.15}}, o)};
}

inline torch::Tensor empirical_covariance(const torch::Tensor& x) {
  const torch::Tensor d = x - x.mean(0, true);
  return d.t().matmul(d) / static_cast<double>(x.size(0) - 1);
}

}  // namespace grl::generative::testing
