// Training losses of generative models (as GenerativeRL's diffusion_model.py and conditional flow
// models define them): per-sample values [B] (GMPO weights them by advantages) and their means.
//
// Randomness: every function that draws t or noise takes an optional at::Generator; without one it uses
// LibTorch's global generator for the data's device (seeded by grl::seed_everything). A generator must
// live on the same device as the data. The *_at functions take t and the noise explicitly and draw
// nothing.
#pragma once

#include "algorithms/generative/diffusion_path.h"
#include "algorithms/generative/model_type.h"
#include "algorithms/generative/path.h"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace grl::generative {

// Diffusion-path losses draw t from [kLossTimeEpsilon, 1): sigma(0) = 0 makes t = 0 singular.
constexpr double kLossTimeEpsilon = 1e-5;

enum class LossKind {
  score_matching,     // t ~ U(eps, 1); l = |eps_hat - eps|^2 / 2
  score_matching_ml,  // maximum-likelihood weighting: t with density proportional to g^2 / sigma^2
  flow_matching,      // diffusion paths: target s' x0 + sigma' eps; ICFM / OT-CFM: target x1 - x0
};
std::string to_string(LossKind kind);
// "score_matching", "score_matching_ml" (alias "maximum_likelihood"), "flow_matching"; throws
// std::invalid_argument otherwise.
LossKind parse_loss_kind(const std::string& name);

// --- Deterministic building blocks: all return per-sample losses [B], summed over the non-batch dims.
// x0 [B, A] data, condition [B, S] or undefined, t [B] diffusion time, eps [B, A] noise.
torch::Tensor score_matching_loss_at(const DiffusionPath& path, const ModelFunction& model,
                                     const torch::Tensor& x0, const torch::Tensor& condition,
                                     const torch::Tensor& t, const torch::Tensor& eps);
torch::Tensor flow_matching_loss_at(const DiffusionPath& path, const ModelFunction& model,
                                    const torch::Tensor& x0, const torch::Tensor& condition,
                                    const torch::Tensor& t, const torch::Tensor& eps);
// Flow time: noise x0 [B, A], data x1 [B, A] (already paired), t [B], z [B, A];
// x_t = (1 - t) x0 + t x1 + sigma z; l = |v(t, x_t, c) - (x1 - x0)|^2 / 2. model must predict velocity.
torch::Tensor conditional_flow_matching_loss_at(const ModelFunction& model, const torch::Tensor& x0,
                                                const torch::Tensor& x1, const torch::Tensor& condition,
                                                const torch::Tensor& t, const torch::Tensor& z,
                                                double sigma);

// Draws t on [t_min, t_max] with density proportional to g^2(t) / sigma^2(t) by inverse CDF from a
// table (the density is integrated numerically on a grid clustered at both ends, where it grows like
// 1/t and 1/(1-t)). Analytically the CDF is (lambda(t_min) - lambda(t)) / (lambda(t_min) - lambda(t_max))
// (g^2/sigma^2 = -2 dlambda/dt); the table also serves reference_compat paths where that identity fails.
class MaximumLikelihoodTimeSampler {
 public:
  // t_max < 0 picks 1 for vpsde and 1 - kLossTimeEpsilon for gvp/linear (the density is not integrable
  // at their t=1).
  explicit MaximumLikelihoodTimeSampler(DiffusionPathPtr path, double t_min = kLossTimeEpsilon,
                                        double t_max = -1.0, int table_size = 8193);

  torch::Tensor sample(int64_t n, const torch::TensorOptions& options,
                       c10::optional<at::Generator> generator = c10::nullopt) const;
  double cdf(double t) const;       // table CDF, linear between nodes
  double quantile(double u) const;  // its inverse
  double t_min() const { return t_min_; }
  double t_max() const { return t_max_; }

 private:
  DiffusionPathPtr path_;
  double t_min_;
  double t_max_;
  std::vector<double> times_;
  std::vector<double> cdf_;
  torch::Tensor times_tensor_;  // CPU double copies for the vectorised inverse CDF
  torch::Tensor cdf_tensor_;
};

struct LossOptions {
  LossKind kind = LossKind::flow_matching;
  double t_min = kLossTimeEpsilon;  // diffusion paths only
  // > 0: t drawn uniformly from the T points t_1..t_T of the DDPM grid (ddpm.h) instead of an
  // interval, for models sampled by the discrete DDPM sampler with T steps (Diffusion-QL, IDQL).
  // Diffusion paths with score_matching or flow_matching only.
  int time_steps = 0;
};

// The loss of one path, built once (the ML-weighting table is built in the constructor).
// Flow paths accept only LossKind::flow_matching and velocity models; the constructor / per_sample
// throw std::invalid_argument otherwise.
class GenerativeLoss {
 public:
  explicit GenerativeLoss(GenerativePath path, LossOptions options = {});

  // data [B, A] (diffusion x0; flow x1), condition [B, S] or undefined. Returns [B].
  // OT-CFM re-pairs the fresh noise to the data; data rows and conditions keep their order, so row b of
  // the result belongs to data row b.
  torch::Tensor per_sample(const ModelFunction& model, const torch::Tensor& data,
                           const torch::Tensor& condition,
                           c10::optional<at::Generator> generator = c10::nullopt) const;
  torch::Tensor mean(const ModelFunction& model, const torch::Tensor& data,
                     const torch::Tensor& condition,
                     c10::optional<at::Generator> generator = c10::nullopt) const {
    return per_sample(model, data, condition, generator).mean();
  }

  const GenerativePath& path() const { return path_; }
  const LossOptions& options() const { return options_; }

 private:
  GenerativePath path_;
  LossOptions options_;
  std::shared_ptr<MaximumLikelihoodTimeSampler> ml_sampler_;
  torch::Tensor discrete_times_;  // time_steps > 0: t_1..t_T (CPU double)
};

}  // namespace grl::generative
