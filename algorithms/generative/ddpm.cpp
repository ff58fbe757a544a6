#include "algorithms/generative/ddpm.h"

#include "algorithms/generative/sampling.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace grl::generative {

std::vector<double> ddpm_time_grid(const DiffusionPath& path, int steps) {
  if (steps < 1) throw std::invalid_argument("ddpm: need at least one step, got " + std::to_string(steps));
  // gvp and linear reach s = 0 at t = 1, where x0 cannot be recovered from x; stop short of it as
  // every other sampler does.
  const double top = path.kind() == DiffusionPathKind::vpsde ? 1.0 : 1.0 - kSamplingTimeEpsilon;
  std::vector<double> grid(static_cast<std::size_t>(steps) + 1);
  for (int i = 0; i <= steps; ++i) grid[static_cast<std::size_t>(i)] = top * i / steps;
  grid.back() = top;
  return grid;
}

DdpmPosterior ddpm_posterior(const DiffusionPath& path, double t_prev, double t) {
  if (!(t_prev >= 0.0 && t_prev < t && t <= 1.0)) {
    throw std::invalid_argument("ddpm_posterior: need 0 <= t_prev < t <= 1, got " + std::to_string(t_prev) + ", " +
                                std::to_string(t));
  }
  const double s_prev = path.s(t_prev), sigma_prev = t_prev == 0.0 ? 0.0 : path.sigma(t_prev);
  const double s_t = path.s(t), sigma_t = path.sigma(t);
  const double a = s_t / s_prev;
  const double b2 = sigma_t * sigma_t - a * a * sigma_prev * sigma_prev;
  const double sigma_t2 = sigma_t * sigma_t;
  return {s_prev * b2 / sigma_t2, a * sigma_prev * sigma_prev / sigma_t2, b2 * sigma_prev * sigma_prev / sigma_t2};
}

torch::Tensor ddpm_sample(const DiffusionPath& path, const DataPredictionFn& data_prediction, torch::Tensor noise,
                          int steps, bool clip_data, c10::optional<at::Generator> generator) {
  const std::vector<double> grid = ddpm_time_grid(path, steps);
  torch::Tensor x = std::move(noise);
  for (int i = steps; i >= 1; --i) {
    const double t = grid[static_cast<std::size_t>(i)], t_prev = grid[static_cast<std::size_t>(i - 1)];
    torch::Tensor x0 = data_prediction(t, x);
    if (clip_data) x0 = x0.clamp(-1.0, 1.0);
    const DdpmPosterior q = ddpm_posterior(path, t_prev, t);
    torch::Tensor mean = q.coef_x0 * x0 + q.coef_xt * x;
    if (i > 1) {
      x = mean + std::sqrt(q.variance) * torch::randn(x.sizes(), generator, x.options());
    } else {
      x = mean;  // t_prev = 0: variance 0, mean = x0
    }
  }
  return x;
}

}  // namespace grl::generative
