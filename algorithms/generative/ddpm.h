// Discrete-time DDPM (Ho et al. 2020) on a diffusion path: the ancestral sampler that Diffusion-QL
// and IDQL act with (5 denoising steps on the VP schedule), and the time grid their losses train on.
//
// The grid is t_i = t_top * i / T, i = 0..T (t_top = 1 for vpsde, 1 - 1e-3 for gvp and linear,
// whose s(1) = 0). The forward transition between grid points of x_t = s(t) x0 + sigma(t) eps is
//   x_i = a_i x_{i-1} + b_i z,   a_i = s_i / s_{i-1},   b_i^2 = sigma_i^2 - a_i^2 sigma_{i-1}^2,
// and the posterior q(x_{i-1} | x_i, x0) is Gaussian with
//   mean = (s_{i-1} b_i^2 / sigma_i^2) x0 + (a_i sigma_{i-1}^2 / sigma_i^2) x_i,
//   var  = b_i^2 sigma_{i-1}^2 / sigma_i^2.
// On the VP-SDE s_i^2 is DDPM's alpha_bar_i, 1 - a_i^2 its beta_i, and these are the textbook
// posterior coefficients; with beta0 = 0.1, beta1 = 10 and T = 5 the alpha_bar_i are exactly those of
// Diffusion-QL's "vp" beta schedule (alpha_i = exp(-b_min/T - (b_max - b_min)(2i - 1)/(2 T^2))).
// Each step predicts x0 from the model (optionally clipped to [-1, 1], Diffusion-QL's clip_denoised),
// takes the posterior mean and adds sqrt(var) z; the last step (to t_0 = 0) has var 0 and returns
// the predicted x0. Autograd follows the caller's grad mode (Diffusion-QL backpropagates through it).
#pragma once

#include "algorithms/generative/diffusion_path.h"

#include <torch/torch.h>

#include <functional>
#include <vector>

namespace grl::generative {

// [t_0 = 0, t_1, ..., t_T = t_top]; throws std::invalid_argument for steps < 1.
std::vector<double> ddpm_time_grid(const DiffusionPath& path, int steps);

struct DdpmPosterior {
  double coef_x0 = 0;   // s_{i-1} b_i^2 / sigma_i^2
  double coef_xt = 0;   // a_i sigma_{i-1}^2 / sigma_i^2
  double variance = 0;  // b_i^2 sigma_{i-1}^2 / sigma_i^2
};
// q(x_{t_prev} | x_t, x0) for t_prev < t on the path (t_prev may be 0).
DdpmPosterior ddpm_posterior(const DiffusionPath& path, double t_prev, double t);

// data_prediction(t, x): the model's x0 prediction at diffusion time t (any parameterisation
// converted to data by the caller). noise [B, A] is x at t_top; returns x at t = 0. Draws one N(0, I)
// tensor per step except the last from `generator` (or the global one), from the noisiest step down.
using DataPredictionFn = std::function<torch::Tensor(double t, const torch::Tensor& x)>;
torch::Tensor ddpm_sample(const DiffusionPath& path, const DataPredictionFn& data_prediction, torch::Tensor noise,
                          int steps, bool clip_data, c10::optional<at::Generator> generator = c10::nullopt);

}  // namespace grl::generative
