#include "algorithms/generative/ode_solvers.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace grl::generative {

std::vector<double> uniform_grid(double t0, double t1, int points) {
  if (points < 2) throw std::invalid_argument("uniform_grid: need at least 2 points, got " + std::to_string(points));
  std::vector<double> grid(static_cast<size_t>(points));
  for (int i = 0; i < points; ++i) grid[i] = t0 + (t1 - t0) * static_cast<double>(i) / (points - 1);
  grid.back() = t1;  // exact end point, whatever the rounding
  return grid;
}

torch::Tensor integrate_fixed_grid(const DriftFn& drift, torch::Tensor x, const std::vector<double>& grid,
                                   FixedStepMethod method) {
  if (grid.size() < 2) throw std::invalid_argument("integrate_fixed_grid: the grid needs at least 2 points");
  for (size_t i = 0; i + 1 < grid.size(); ++i) {
    const double t = grid[i];
    const double h = grid[i + 1] - t;
    switch (method) {
      case FixedStepMethod::euler:
        x = x + h * drift(t, x);
        break;
      case FixedStepMethod::heun: {  // explicit trapezoid
        const torch::Tensor k1 = drift(t, x);
        const torch::Tensor k2 = drift(t + h, x + h * k1);
        x = x + (h / 2.0) * (k1 + k2);
        break;
      }
      case FixedStepMethod::rk4: {
        const torch::Tensor k1 = drift(t, x);
        const torch::Tensor k2 = drift(t + h / 2.0, x + (h / 2.0) * k1);
        const torch::Tensor k3 = drift(t + h / 2.0, x + (h / 2.0) * k2);
        const torch::Tensor k4 = drift(t + h, x + h * k3);
        x = x + (h / 6.0) * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
        break;
      }
    }
  }
  return x;
}

namespace {

// Dormand-Prince 5(4) tableau.
constexpr double c2 = 1.0 / 5, c3 = 3.0 / 10, c4 = 4.0 / 5, c5 = 8.0 / 9;
constexpr double a21 = 1.0 / 5;
constexpr double a31 = 3.0 / 40, a32 = 9.0 / 40;
constexpr double a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9;
constexpr double a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561, a54 = -212.0 / 729;
constexpr double a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176,
                 a65 = -5103.0 / 18656;
constexpr double b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784, b6 = 11.0 / 84;
// b - b* (fifth- minus fourth-order weights): the embedded error estimate.
constexpr double e1 = 35.0 / 384 - 5179.0 / 57600, e3 = 500.0 / 1113 - 7571.0 / 16695,
                 e4 = 125.0 / 192 - 393.0 / 640, e5 = -2187.0 / 6784 + 92097.0 / 339200,
                 e6 = 11.0 / 84 - 187.0 / 2100, e7 = -1.0 / 40;

double rms(const torch::Tensor& x) { return x.detach().pow(2).mean().sqrt().item<double>(); }

}  // namespace

AdaptiveResult integrate_dopri5(const DriftFn& drift, torch::Tensor x, double t0, double t1,
                                const AdaptiveOptions& options) {
  if (!(options.rtol > 0.0) || !(options.atol > 0.0)) {
    throw std::invalid_argument("integrate_dopri5: rtol and atol must be > 0");
  }
  AdaptiveResult result;
  if (t0 == t1) {
    result.x = x;
    return result;
  }
  const double direction = t1 > t0 ? 1.0 : -1.0;
  const double span = std::abs(t1 - t0);
  torch::Tensor k1 = drift(t0, x);
  result.function_evaluations = 1;

  double h = std::abs(options.initial_step);
  if (h == 0.0) {  // Hairer, Norsett & Wanner, "Solving ODEs I", II.4
    const torch::Tensor scale = options.atol + options.rtol * x.detach().abs();
    const double d0 = rms(x / scale), d1 = rms(k1 / scale);
    const double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
    const torch::Tensor k_probe = drift(t0 + direction * h0, x + direction * h0 * k1);
    result.function_evaluations += 1;
    const double d2 = rms((k_probe - k1) / scale) / h0;
    const double h1 = std::max(d1, d2) <= 1e-15 ? std::max(1e-6, h0 * 1e-3)
                                                 : std::pow(0.01 / std::max(d1, d2), 1.0 / 5.0);
    h = std::min(100.0 * h0, h1);
  }
  h = std::min(h, span);

  double t = t0;
  while (direction * (t1 - t) > 0.0) {
    if (result.accepted_steps + result.rejected_steps >= options.max_steps) {
      throw std::runtime_error("integrate_dopri5: more than " + std::to_string(options.max_steps) +
                               " steps between t = " + std::to_string(t0) + " and " + std::to_string(t1) +
                               " (stopped at t = " + std::to_string(t) + "); loosen rtol/atol or raise max_steps");
    }
    // Land exactly on t1 instead of a sliver step after it.
    const bool last = h >= std::abs(t1 - t) * (1.0 - 1e-12);
    const double hs = last ? (t1 - t) : direction * h;
    const torch::Tensor k2 = drift(t + c2 * hs, x + hs * (a21 * k1));
    const torch::Tensor k3 = drift(t + c3 * hs, x + hs * (a31 * k1 + a32 * k2));
    const torch::Tensor k4 = drift(t + c4 * hs, x + hs * (a41 * k1 + a42 * k2 + a43 * k3));
    const torch::Tensor k5 = drift(t + c5 * hs, x + hs * (a51 * k1 + a52 * k2 + a53 * k3 + a54 * k4));
    const torch::Tensor k6 = drift(t + hs, x + hs * (a61 * k1 + a62 * k2 + a63 * k3 + a64 * k4 + a65 * k5));
    const torch::Tensor x_new = x + hs * (b1 * k1 + b3 * k3 + b4 * k4 + b5 * k5 + b6 * k6);
    const torch::Tensor k7 = drift(t + hs, x_new);
    result.function_evaluations += 6;
    const torch::Tensor err = hs * (e1 * k1 + e3 * k3 + e4 * k4 + e5 * k5 + e6 * k6 + e7 * k7);
    const torch::Tensor scale =
        options.atol + options.rtol * torch::max(x.detach().abs(), x_new.detach().abs());
    const double err_norm = rms(err / scale);
    if (!std::isfinite(err_norm)) {
      throw std::runtime_error("integrate_dopri5: non-finite state or drift at t = " + std::to_string(t));
    }
    if (err_norm <= 1.0) {
      t = last ? t1 : t + hs;
      x = x_new;
      k1 = k7;  // first same as last
      result.accepted_steps += 1;
    } else {
      result.rejected_steps += 1;
    }
    const double factor = err_norm == 0.0 ? 10.0 : std::clamp(0.9 * std::pow(err_norm, -0.2), 0.2, 10.0);
    h = std::abs(hs) * (err_norm <= 1.0 ? factor : std::min(1.0, factor));
  }
  result.x = x;
  return result;
}

}  // namespace grl::generative
