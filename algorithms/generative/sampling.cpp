#include "algorithms/generative/sampling.h"

#include "algorithms/generative/conversions.h"

#include <cmath>
#include <stdexcept>

namespace grl::generative {

std::string to_string(SolverKind kind) {
  switch (kind) {
    case SolverKind::euler: return "euler";
    case SolverKind::heun: return "heun";
    case SolverKind::rk4: return "rk4";
    case SolverKind::dopri5: return "dopri5";
    case SolverKind::sde_euler_maruyama: return "sde";
    case SolverKind::dpm_solver: return "dpm_solver";
    case SolverKind::ddpm: return "ddpm";
  }
  return "unknown";
}

SolverKind parse_solver_kind(const std::string& name) {
  if (name == "euler") return SolverKind::euler;
  if (name == "heun") return SolverKind::heun;
  if (name == "rk4") return SolverKind::rk4;
  if (name == "dopri5") return SolverKind::dopri5;
  if (name == "sde" || name == "euler_maruyama") return SolverKind::sde_euler_maruyama;
  if (name == "dpm_solver") return SolverKind::dpm_solver;
  if (name == "ddpm") return SolverKind::ddpm;
  throw std::invalid_argument("unknown solver '" + name + "' (expected one of: euler, heun, rk4, dopri5, sde, dpm_solver, ddpm)");
}

TimeInterval default_time_interval(const GenerativePath& path, ModelType type, SolverKind solver) {
  if (path.is_flow()) return {0.0, 1.0};
  const bool ode = solver == SolverKind::euler || solver == SolverKind::heun || solver == SolverKind::rk4 ||
                   solver == SolverKind::dopri5;
  // A velocity model on an ODE solver is used as is: nothing divides by sigma or uses f, g^2.
  if (type == ModelType::velocity && ode) return {0.0, 1.0};
  const bool finite_at_one = path.kind == PathKind::vpsde;
  return {kSamplingTimeEpsilon, finite_at_one ? 1.0 : 1.0 - kSamplingTimeEpsilon};
}

torch::Tensor data_to_noise_velocity(const GenerativePath& path, const ModelFunction& model, double t,
                                     const torch::Tensor& x, const torch::Tensor& condition) {
  if (path.is_flow()) {
    if (model.type != ModelType::velocity) {
      throw std::invalid_argument("flow path " + path.name() + " needs a velocity model, got " + to_string(model.type));
    }
    return -model(torch::full({x.size(0)}, 1.0 - t, x.options()), x, condition);
  }
  const torch::Tensor tt = torch::full({x.size(0)}, t, x.options());
  return convert(model.type, ModelType::velocity, model(tt, x, condition), tt, x, *path.diffusion);
}

namespace {

void check_inputs(const torch::Tensor& noise, const torch::Tensor& condition) {
  if (!noise.defined() || noise.dim() < 2) {
    throw std::invalid_argument("sample: noise must be [B, A], got " +
                                (noise.defined() ? c10::str(noise.sizes()) : std::string("an undefined tensor")));
  }
  if (condition.defined() && condition.numel() > 0 && condition.size(0) != noise.size(0)) {
    throw std::invalid_argument("sample: condition has " + std::to_string(condition.size(0)) + " rows but noise has " +
                                std::to_string(noise.size(0)));
  }
}

}  // namespace

SampleResult sample_with_stats(const GenerativePath& path, const ModelFunction& model, const torch::Tensor& noise,
                               const torch::Tensor& condition, const SamplerOptions& options,
                               c10::optional<at::Generator> generator) {
  check_inputs(noise, condition);
  const TimeInterval interval =
      options.use_default_interval ? default_time_interval(path, model.type, options.solver) : options.interval;
  if (!(interval.data_end >= 0.0 && interval.data_end < interval.noise_end && interval.noise_end <= 1.0)) {
    throw std::invalid_argument("sample: need 0 <= data_end < noise_end <= 1, got [" + std::to_string(interval.data_end) +
                                ", " + std::to_string(interval.noise_end) + "]");
  }
  SampleResult result;
  const int64_t batch = noise.size(0);
  // Solver time tau: diffusion tau = 1 - t runs noise -> data; flows use their own time directly.
  DriftFn drift;
  if (path.is_flow()) {
    if (model.type != ModelType::velocity) {
      throw std::invalid_argument("flow path " + path.name() + " needs a velocity model, got " + to_string(model.type));
    }
    drift = [&](double tau, const torch::Tensor& x) {
      return model(torch::full({batch}, tau, x.options()), x, condition);
    };
  } else {
    drift = [&](double tau, const torch::Tensor& x) { return -data_to_noise_velocity(path, model, 1.0 - tau, x, condition); };
  }
  const double tau0 = 1.0 - interval.noise_end, tau1 = 1.0 - interval.data_end;

  if (options.solver == SolverKind::euler && (path.is_flow() || model.type == ModelType::velocity)) {
    // The benchmark setting: a velocity used as is, so each step is one model call and one fused
    // multiply-add (x + h * drift with drift = +-m), nothing else on the per-action critical path.
    const std::vector<double> grid = uniform_grid(tau0, tau1, options.grid_points);
    const double sign = path.is_flow() ? 1.0 : -1.0;
    torch::Tensor x = noise;
    for (size_t i = 0; i + 1 < grid.size(); ++i) {
      const double model_time = path.is_flow() ? grid[i] : 1.0 - grid[i];
      const torch::Tensor m = model(torch::full({batch}, model_time, x.options()), x, condition);
      x = torch::add(x, m, sign * (grid[i + 1] - grid[i]));
    }
    result.x = x;
    result.steps = result.function_evaluations = options.grid_points - 1;
    return result;
  }

  switch (options.solver) {
    case SolverKind::euler:
    case SolverKind::heun:
    case SolverKind::rk4: {
      const FixedStepMethod method = options.solver == SolverKind::euler  ? FixedStepMethod::euler
                                     : options.solver == SolverKind::heun ? FixedStepMethod::heun
                                                                          : FixedStepMethod::rk4;
      result.x = integrate_fixed_grid(drift, noise, uniform_grid(tau0, tau1, options.grid_points), method);
      result.steps = options.grid_points - 1;
      const int per_step = method == FixedStepMethod::euler ? 1 : method == FixedStepMethod::heun ? 2 : 4;
      result.function_evaluations = result.steps * per_step;
      return result;
    }
    case SolverKind::dopri5: {
      const AdaptiveResult r = integrate_dopri5(drift, noise, tau0, tau1, options.adaptive);
      result.x = r.x;
      result.steps = r.accepted_steps;
      result.function_evaluations = r.function_evaluations;
      return result;
    }
    case SolverKind::sde_euler_maruyama: {
      if (path.is_flow()) throw std::invalid_argument("sample: the reverse SDE needs a diffusion path, not " + path.name());
      const DiffusionPath& dp = *path.diffusion;
      // Reverse-time SDE dx = [f x - g^2 score] dt + g dW_bar, stepped in tau = 1 - t (dt = -h).
      const std::vector<double> grid = uniform_grid(interval.noise_end, interval.data_end, options.grid_points);
      torch::Tensor x = noise;
      for (size_t i = 0; i + 1 < grid.size(); ++i) {
        const double t = grid[i], h = t - grid[i + 1];
        const torch::Tensor tt = torch::full({batch}, t, x.options());
        const torch::Tensor score = convert(model.type, ModelType::score, model(tt, x, condition), tt, x, dp);
        const double g2 = dp.g2(t);
        const torch::Tensor z = torch::randn(x.sizes(), generator, x.options());
        x = x - h * (dp.f(t) * x - g2 * score) + std::sqrt(g2 * h) * z;
      }
      result.x = x;
      result.steps = options.grid_points - 1;
      result.function_evaluations = result.steps;
      return result;
    }
    case SolverKind::ddpm: {
      if (path.is_flow()) throw std::invalid_argument("sample: DDPM needs a diffusion path, not " + path.name());
      // The discrete grid of ddpm.h (t_T = 1 for vpsde, 1 - 1e-3 otherwise); the interval is not used.
      const DiffusionPath& dp = *path.diffusion;
      const DataPredictionFn prediction = [&](double t, const torch::Tensor& x) {
        const torch::Tensor tt = torch::full({batch}, t, x.options());
        return convert(model.type, ModelType::data, model(tt, x, condition), tt, x, dp);
      };
      result.steps = result.function_evaluations = options.grid_points - 1;
      result.x = ddpm_sample(dp, prediction, noise, result.steps, options.ddpm_clip_data, generator);
      return result;
    }
    case SolverKind::dpm_solver: {
      if (path.is_flow()) throw std::invalid_argument("sample: DPM-Solver needs a diffusion path, not " + path.name());
      const DiffusionPath& dp = *path.diffusion;
      const ModelType target = options.dpm.form == DpmForm::noise ? ModelType::noise : ModelType::data;
      const PredictionFn prediction = [&](double t, const torch::Tensor& x) {
        const torch::Tensor tt = torch::full({batch}, t, x.options());
        return convert(model.type, target, model(tt, x, condition), tt, x, dp);
      };
      result.x = dpm_solver(dp, prediction, noise, interval.noise_end, interval.data_end, options.dpm);
      result.steps = options.dpm.steps;
      result.function_evaluations = dpm_solver_function_evaluations(options.dpm);
      return result;
    }
  }
  throw std::invalid_argument("sample: unknown solver");
}

torch::Tensor repeat_per_sample(const torch::Tensor& condition, int64_t samples_per_state) {
  if (!condition.defined() || samples_per_state == 1) return condition;
  return condition.repeat_interleave(samples_per_state, 0);
}

torch::Tensor sample_per_state(const GenerativePath& path, const ModelFunction& model, const torch::Tensor& condition,
                               int64_t samples_per_state, int64_t action_dim, const SamplerOptions& options,
                               c10::optional<at::Generator> generator) {
  if (!condition.defined() || condition.dim() != 2) {
    throw std::invalid_argument("sample_per_state: condition must be [B, S], got " +
                                (condition.defined() ? c10::str(condition.sizes()) : std::string("an undefined tensor")));
  }
  if (samples_per_state < 1 || action_dim < 1) {
    throw std::invalid_argument("sample_per_state: samples_per_state and action_dim must be >= 1");
  }
  const torch::Tensor repeated = repeat_per_sample(condition, samples_per_state);
  const torch::Tensor noise = torch::randn({repeated.size(0), action_dim}, generator, condition.options());
  return sample(path, model, noise, repeated, options, generator);
}

}  // namespace grl::generative
