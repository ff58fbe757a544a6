#include "algorithms/generative/dpm_solver.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace grl::generative {
namespace {

// The closed-form updates below are those of Lu et al., "DPM-Solver" (NeurIPS 2022, Algorithms 1-2)
// and "DPM-Solver++" (2022, Algorithms 1-2), written with phi = expm1(+-h). h = lambda_t - lambda_s > 0
// when stepping towards the data.
struct Point {
  double t, alpha, sigma, lambda;
};

class Stepper {
 public:
  Stepper(const DiffusionPath& path, const PredictionFn& prediction, DpmForm form)
      : path_(path), prediction_(prediction), form_(form) {}

  Point at(double t) const { return {t, path_.s(t), path_.sigma(t), path_.half_log_snr(t)}; }
  Point at_lambda(double lambda) const { return at(path_.time_from_half_log_snr(lambda)); }
  torch::Tensor predict(const Point& p, const torch::Tensor& x) const { return prediction_(p.t, x); }

  // First order (DDIM) from s to t given the prediction m_s at s.
  torch::Tensor first_order(const torch::Tensor& x, const Point& s, const Point& t, const torch::Tensor& m_s) const {
    const double h = t.lambda - s.lambda;
    if (form_ == DpmForm::noise) return (t.alpha / s.alpha) * x - t.sigma * std::expm1(h) * m_s;
    return (t.sigma / s.sigma) * x - t.alpha * std::expm1(-h) * m_s;
  }

  torch::Tensor singlestep_second(const torch::Tensor& x, const Point& s, const Point& t, const torch::Tensor& m_s) const {
    const double r1 = 0.5;
    const double h = t.lambda - s.lambda;
    const Point s1 = at_lambda(s.lambda + r1 * h);
    const torch::Tensor u = first_order(x, s, s1, m_s);
    const torch::Tensor d = predict(s1, u) - m_s;
    if (form_ == DpmForm::noise) {
      return (t.alpha / s.alpha) * x - t.sigma * std::expm1(h) * m_s - t.sigma / (2.0 * r1) * std::expm1(h) * d;
    }
    return (t.sigma / s.sigma) * x - t.alpha * std::expm1(-h) * m_s - t.alpha / (2.0 * r1) * std::expm1(-h) * d;
  }

  torch::Tensor singlestep_third(const torch::Tensor& x, const Point& s, const Point& t, const torch::Tensor& m_s) const {
    const double r1 = 1.0 / 3.0, r2 = 2.0 / 3.0;
    const double h = t.lambda - s.lambda;
    const Point s1 = at_lambda(s.lambda + r1 * h);
    const Point s2 = at_lambda(s.lambda + r2 * h);
    if (form_ == DpmForm::noise) {
      const double phi_11 = std::expm1(r1 * h), phi_12 = std::expm1(r2 * h), phi_1 = std::expm1(h);
      const double phi_22 = std::expm1(r2 * h) / (r2 * h) - 1.0, phi_2 = phi_1 / h - 1.0;
      const torch::Tensor x1 = (s1.alpha / s.alpha) * x - s1.sigma * phi_11 * m_s;
      const torch::Tensor d1 = predict(s1, x1) - m_s;
      const torch::Tensor x2 = (s2.alpha / s.alpha) * x - s2.sigma * phi_12 * m_s - (r2 / r1) * s2.sigma * phi_22 * d1;
      const torch::Tensor d2 = predict(s2, x2) - m_s;
      return (t.alpha / s.alpha) * x - t.sigma * phi_1 * m_s - (1.0 / r2) * t.sigma * phi_2 * d2;
    }
    const double phi_11 = std::expm1(-r1 * h), phi_12 = std::expm1(-r2 * h), phi_1 = std::expm1(-h);
    const double phi_22 = std::expm1(-r2 * h) / (r2 * h) + 1.0, phi_2 = phi_1 / h + 1.0;
    const torch::Tensor x1 = (s1.sigma / s.sigma) * x - s1.alpha * phi_11 * m_s;
    const torch::Tensor d1 = predict(s1, x1) - m_s;
    const torch::Tensor x2 = (s2.sigma / s.sigma) * x - s2.alpha * phi_12 * m_s + (r2 / r1) * s2.alpha * phi_22 * d1;
    const torch::Tensor d2 = predict(s2, x2) - m_s;
    return (t.sigma / s.sigma) * x - t.alpha * phi_1 * m_s + (1.0 / r2) * t.alpha * phi_2 * d2;
  }

  // Multistep: p0 is the latest point (where x lives) with prediction m0, p1/m1 and p2/m2 earlier ones.
  torch::Tensor multistep_second(const torch::Tensor& x, const Point& p1, const torch::Tensor& m1, const Point& p0,
                                 const torch::Tensor& m0, const Point& t) const {
    const double h = t.lambda - p0.lambda, h0 = p0.lambda - p1.lambda;
    const double r0 = h0 / h;
    const torch::Tensor d1 = (1.0 / r0) * (m0 - m1);
    if (form_ == DpmForm::noise) {
      const double phi_1 = std::expm1(h);
      return (t.alpha / p0.alpha) * x - t.sigma * phi_1 * m0 - 0.5 * t.sigma * phi_1 * d1;
    }
    const double phi_1 = std::expm1(-h);
    return (t.sigma / p0.sigma) * x - t.alpha * phi_1 * m0 - 0.5 * t.alpha * phi_1 * d1;
  }

  torch::Tensor multistep_third(const torch::Tensor& x, const Point& p2, const torch::Tensor& m2, const Point& p1,
                                const torch::Tensor& m1, const Point& p0, const torch::Tensor& m0,
                                const Point& t) const {
    const double h = t.lambda - p0.lambda, h0 = p0.lambda - p1.lambda, h1 = p1.lambda - p2.lambda;
    const double r0 = h0 / h, r1 = h1 / h;
    const torch::Tensor d1_0 = (1.0 / r0) * (m0 - m1);
    const torch::Tensor d1_1 = (1.0 / r1) * (m1 - m2);
    const torch::Tensor d1 = d1_0 + (r0 / (r0 + r1)) * (d1_0 - d1_1);
    // Taylor expansion of the prediction in lambda: d1 ~ h m', d2 ~ h^2 m''. From the divided differences
    // d1_0 - d1_1 = (r0 + r1) h^2 m''/2, hence the factor 2 (without it the method is only second order,
    // which the convergence test detects).
    const torch::Tensor d2 = (2.0 / (r0 + r1)) * (d1_0 - d1_1);
    if (form_ == DpmForm::noise) {
      const double phi_1 = std::expm1(h), phi_2 = phi_1 / h - 1.0, phi_3 = phi_2 / h - 0.5;
      return (t.alpha / p0.alpha) * x - t.sigma * phi_1 * m0 - t.sigma * phi_2 * d1 - t.sigma * phi_3 * d2;
    }
    const double phi_1 = std::expm1(-h), phi_2 = phi_1 / h + 1.0, phi_3 = phi_2 / h - 0.5;
    return (t.sigma / p0.sigma) * x - t.alpha * phi_1 * m0 + t.alpha * phi_2 * d1 - t.alpha * phi_3 * d2;
  }

 private:
  const DiffusionPath& path_;
  const PredictionFn& prediction_;
  DpmForm form_;
};

}  // namespace

int dpm_solver_function_evaluations(const DpmSolverOptions& options) {
  if (!options.multistep) return options.steps * options.order;
  return options.steps + (options.order == 3 && options.steps > 1 ? 1 : 0);
}

torch::Tensor dpm_solver(const DiffusionPath& path, const PredictionFn& prediction, torch::Tensor x, double t_start,
                         double t_end, const DpmSolverOptions& options) {
  if (options.order < 1 || options.order > 3) {
    throw std::invalid_argument("dpm_solver: order must be 1, 2 or 3, got " + std::to_string(options.order));
  }
  if (options.steps < 1) throw std::invalid_argument("dpm_solver: steps must be >= 1, got " + std::to_string(options.steps));
  if (!(t_end < t_start) || !(t_end > 0.0) || t_start > 1.0) {
    throw std::invalid_argument("dpm_solver: need 0 < t_end < t_start <= 1, got t_start = " + std::to_string(t_start) +
                                ", t_end = " + std::to_string(t_end));
  }
  const Stepper stepper(path, prediction, options.form);
  const double lambda_start = path.half_log_snr(t_start), lambda_end = path.half_log_snr(t_end);
  if (!std::isfinite(lambda_start) || !std::isfinite(lambda_end)) {
    throw std::invalid_argument("dpm_solver: the half-log-SNR is infinite at t = " + std::to_string(t_start) + " or " +
                                std::to_string(t_end) + " on path " + path.name() + "; move the interval inwards");
  }
  const int n = options.steps;
  std::vector<Point> grid;
  grid.reserve(n + 1);
  for (int i = 0; i <= n; ++i) {
    const double u = static_cast<double>(i) / n;
    if (i == 0) grid.push_back(stepper.at(t_start));
    else if (i == n) grid.push_back(stepper.at(t_end));
    else if (options.spacing == DpmTimeSpacing::half_log_snr) grid.push_back(stepper.at_lambda(lambda_start + u * (lambda_end - lambda_start)));
    else grid.push_back(stepper.at(t_start + u * (t_end - t_start)));
  }

  if (!options.multistep) {
    for (int i = 0; i < n; ++i) {
      const torch::Tensor m = stepper.predict(grid[i], x);
      switch (options.order) {
        case 1: x = stepper.first_order(x, grid[i], grid[i + 1], m); break;
        case 2: x = stepper.singlestep_second(x, grid[i], grid[i + 1], m); break;
        default: x = stepper.singlestep_third(x, grid[i], grid[i + 1], m); break;
      }
    }
    return x;
  }

  // Multistep: one prediction per step; the history holds the predictions at the last grid points.
  std::vector<torch::Tensor> history;  // history[k] belongs to grid[i - history.size() + 1 + k]
  for (int i = 0; i < n; ++i) {
    history.push_back(stepper.predict(grid[i], x));
    if (history.size() > 3) history.erase(history.begin());
    const int step = i + 1;
    int order = std::min(options.order, step);
    if (options.lower_order_final && n < 10) order = std::min(order, n + 1 - step);
    const size_t k = history.size();
    if (i == 0 && options.order == 3 && order == 1 && n > 1) {
      // A first-order first step would leave an O(h^2) error that no later step removes; a singlestep
      // second-order start (one extra evaluation) keeps the whole run third order.
      x = stepper.singlestep_second(x, grid[0], grid[1], history[0]);
      continue;
    }
    switch (order) {
      case 1: x = stepper.first_order(x, grid[i], grid[i + 1], history[k - 1]); break;
      case 2: x = stepper.multistep_second(x, grid[i - 1], history[k - 2], grid[i], history[k - 1], grid[i + 1]); break;
      default:
        x = stepper.multistep_third(x, grid[i - 2], history[k - 3], grid[i - 1], history[k - 2], grid[i], history[k - 1],
                                    grid[i + 1]);
        break;
    }
  }
  return x;
}

}  // namespace grl::generative
