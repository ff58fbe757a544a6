// Sampling from a generative model: fresh N(0, I) noise -> actions, by any solver.
//
// Diffusion paths integrate the reverse probability-flow ODE in solver time tau = 1 - t with drift
// -velocity(1 - tau, x); flow paths integrate +v(tau, x) from tau = 0 (noise) to 1 (data).
// Autograd follows the caller's grad mode (no detach inside): gradients reach the model's parameters and
// the initial noise when it is on.
#pragma once

#include "algorithms/generative/ddpm.h"
#include "algorithms/generative/dpm_solver.h"
#include "algorithms/generative/model_type.h"
#include "algorithms/generative/ode_solvers.h"
#include "algorithms/generative/path.h"

#include <torch/torch.h>

#include <string>

namespace grl::generative {

enum class SolverKind { euler, heun, rk4, dopri5, sde_euler_maruyama, dpm_solver, ddpm };
std::string to_string(SolverKind kind);
// "euler", "heun", "rk4", "dopri5", "sde" (alias "euler_maruyama"), "dpm_solver", "ddpm"; throws otherwise.
SolverKind parse_solver_kind(const std::string& name);

// The diffusion-time interval [data_end, noise_end] integrated over. Flow paths: always [0, 1].
// Diffusion paths with velocity models: [0, 1] (the velocity is used as is; nothing is singular).
// Other model types need conversions that divide by sigma (t = 0) or use f, g^2 (infinite at t = 1 for
// GVP and linear): data_end = 1e-3, noise_end = 1 (vpsde) or 1 - 1e-3 (gvp, linear).
// DPM-Solver always uses data_end >= 1e-3 (lambda(0) = +inf).
struct TimeInterval {
  double data_end = 0.0;
  double noise_end = 1.0;
};
constexpr double kSamplingTimeEpsilon = 1e-3;
TimeInterval default_time_interval(const GenerativePath& path, ModelType type, SolverKind solver);

struct SamplerOptions {
  SolverKind solver = SolverKind::euler;
  int grid_points = 32;  // euler / heun / rk4 / sde / ddpm: grid_points - 1 steps (benchmark: 32 points)
  bool ddpm_clip_data = false;  // ddpm: clip each x0 prediction to [-1, 1] (Diffusion-QL's clip_denoised)
  AdaptiveOptions adaptive;
  DpmSolverOptions dpm;
  bool use_default_interval = true;
  TimeInterval interval;  // used when use_default_interval is false
};

struct SampleResult {
  torch::Tensor x;
  int function_evaluations = 0;
  int steps = 0;  // accepted steps for dopri5, grid steps otherwise
};

// noise [B, A] ~ N(0, I), condition [B, S] or undefined (row b of noise is conditioned on row b).
// Returns the samples [B, A]. The SDE solver draws its noise from `generator` (or the global one).
SampleResult sample_with_stats(const GenerativePath& path, const ModelFunction& model,
                               const torch::Tensor& noise, const torch::Tensor& condition,
                               const SamplerOptions& options = {},
                               c10::optional<at::Generator> generator = c10::nullopt);
inline torch::Tensor sample(const GenerativePath& path, const ModelFunction& model,
                            const torch::Tensor& noise, const torch::Tensor& condition,
                            const SamplerOptions& options = {},
                            c10::optional<at::Generator> generator = c10::nullopt) {
  return sample_with_stats(path, model, noise, condition, options, generator).x;
}

// K samples for each of B states: returns [B * K, A] where row b * K + k is sample k of state b
// (condition rows are repeated with repeat_interleave, so each sample keeps its own state).
torch::Tensor sample_per_state(const GenerativePath& path, const ModelFunction& model,
                               const torch::Tensor& condition, int64_t samples_per_state,
                               int64_t action_dim, const SamplerOptions& options = {},
                               c10::optional<at::Generator> generator = c10::nullopt);

// condition [B, S] -> [B * K, S], row b * K + k = condition row b. Undefined stays undefined.
torch::Tensor repeat_per_sample(const torch::Tensor& condition, int64_t samples_per_state);

// The data -> noise drift in diffusion time t (t=0 data, t=1 noise): for diffusion paths the
// probability-flow velocity convert(type -> velocity); for flow paths -v(1 - t, x) (flow time runs the
// other way). Sampling integrates its negative backwards; the likelihood integrates it forwards.
torch::Tensor data_to_noise_velocity(const GenerativePath& path, const ModelFunction& model, double t,
                                     const torch::Tensor& x, const torch::Tensor& condition);

}  // namespace grl::generative
