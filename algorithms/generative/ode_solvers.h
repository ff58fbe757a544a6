// Generic ODE integrators on a tensor state dx/dt = F(t, x). They never change the grad mode: run them
// under torch::NoGradGuard / torch::InferenceMode for sampling, or with autograd on to backpropagate
// through every step (to the initial state and to whatever F's parameters are).
#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

namespace grl::generative {

using DriftFn = std::function<torch::Tensor(double t, const torch::Tensor& x)>;

enum class FixedStepMethod { euler, heun, rk4 };  // orders 1, 2, 4; 1, 2, 4 evaluations per step

// `points` equally spaced times from t0 to t1 inclusive (t1 may be below t0). points >= 2.
std::vector<double> uniform_grid(double t0, double t1, int points);

// Steps through grid[0] -> grid[1] -> ... -> grid.back() and returns the final state.
torch::Tensor integrate_fixed_grid(const DriftFn& drift, torch::Tensor x, const std::vector<double>& grid,
                                   FixedStepMethod method);

struct AdaptiveOptions {
  double rtol = 1e-5;
  double atol = 1e-5;
  double initial_step = 0.0;  // 0: chosen from the drift at the start (Hairer's heuristic)
  int max_steps = 10000;      // accepted + rejected; exceeding it throws std::runtime_error
};

struct AdaptiveResult {
  torch::Tensor x;
  int accepted_steps = 0;
  int rejected_steps = 0;
  int function_evaluations = 0;
};

// Dormand-Prince 5(4) with FSAL and a PI-free standard controller. The error of a step is the RMS over
// all elements of err / (atol + rtol * max(|x_n|, |x_{n+1}|)); accepted when <= 1.
AdaptiveResult integrate_dopri5(const DriftFn& drift, torch::Tensor x, double t0, double t1,
                                const AdaptiveOptions& options = {});

}  // namespace grl::generative
