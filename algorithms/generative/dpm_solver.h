// DPM-Solver (Lu et al. 2022) and DPM-Solver++ for the probability-flow ODE of a diffusion path, in
// the half-log-SNR lambda = log s - log sigma. Works on every DiffusionPath (all three have lambda and
// its inverse); it was designed for VP paths.
#pragma once

#include "algorithms/generative/diffusion_path.h"

#include <torch/torch.h>

#include <functional>

namespace grl::generative {

enum class DpmForm { noise, data };  // noise prediction (DPM-Solver) or data prediction (DPM-Solver++)
enum class DpmTimeSpacing { half_log_snr, time };  // grid uniform in lambda or in t

struct DpmSolverOptions {
  int order = 2;          // 1, 2 or 3
  int steps = 10;         // outer steps; singlestep uses `order` evaluations per step, multistep one
  // Multistep starts with lower orders while its history fills; order 3 takes its first step with the
  // singlestep second-order update (one extra evaluation) so the run stays third order.
  bool multistep = true;
  DpmForm form = DpmForm::data;
  DpmTimeSpacing spacing = DpmTimeSpacing::half_log_snr;
  bool lower_order_final = true;  // multistep with < 10 steps: lower the order on the last steps
};

// prediction(t, x): the noise (form noise) or data (form data) prediction at diffusion time t.
using PredictionFn = std::function<torch::Tensor(double t, const torch::Tensor& x)>;

// Integrates from t_start (noisy, e.g. 1) down to t_end (e.g. 1e-3) and returns x(t_end).
// Throws std::invalid_argument for order outside 1..3, steps < 1 or t_end >= t_start.
torch::Tensor dpm_solver(const DiffusionPath& path, const PredictionFn& prediction, torch::Tensor x,
                         double t_start, double t_end, const DpmSolverOptions& options = {});

int dpm_solver_function_evaluations(const DpmSolverOptions& options);

}  // namespace grl::generative
