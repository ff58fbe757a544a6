#include "algorithms/generative/likelihood.h"

#include <cmath>
#include <stdexcept>
#include <vector>

namespace grl::generative {

torch::Tensor standard_normal_log_prob(const torch::Tensor& x) {
  const double log_2pi = std::log(2.0 * 3.14159265358979323846);
  const torch::Tensor flat = x.reshape({x.size(0), -1});
  return -0.5 * (flat.pow(2).sum(1) + static_cast<double>(flat.size(1)) * log_2pi);
}

namespace {

// F(t, x) and its divergence. With autograd on, the divergence's graph is kept (create_graph) so that
// the log-likelihood differentiates through it; with autograd off, a local graph is built and dropped.
std::pair<torch::Tensor, torch::Tensor> drift_and_divergence(const GenerativePath& path, const ModelFunction& model,
                                                             double t, const torch::Tensor& x,
                                                             const torch::Tensor& condition,
                                                             const LikelihoodOptions& options,
                                                             const torch::Tensor& probes) {
  const bool track = torch::GradMode::is_enabled();
  torch::AutoGradMode enable_grad(true);
  const torch::Tensor xin = (track && x.requires_grad()) ? x : x.detach().requires_grad_(true);
  const int64_t b = x.size(0), a = x.size(1);
  if (options.divergence == DivergenceMethod::exact_batched) {
    // Copy k of the batch carries the one-hot probe e_k: one backward pass gives every diagonal entry.
    const torch::Tensor xr = xin.repeat({a, 1});
    const torch::Tensor cr = condition.defined() ? condition.repeat({a, 1}) : condition;
    const torch::Tensor Fr = data_to_noise_velocity(path, model, t, xr, cr);
    const torch::Tensor F = Fr.narrow(0, 0, b);
    torch::Tensor div = torch::zeros({b}, x.options());
    if (Fr.requires_grad()) {
      const torch::Tensor probes = torch::eye(a, x.options()).repeat_interleave(b, 0);  // row k*b + i: e_k
      const torch::Tensor g = torch::autograd::grad({Fr}, {xr}, {probes}, /*retain_graph=*/track,
                                                    /*create_graph=*/track, /*allow_unused=*/true)[0];
      if (g.defined()) div = (g * probes).sum(1).reshape({a, b}).sum(0);
    }
    if (!track) return {F.detach(), div.detach()};
    return {F, div};
  }
  const torch::Tensor F = data_to_noise_velocity(path, model, t, xin, condition);
  torch::Tensor div = torch::zeros({b}, x.options());
  if (F.requires_grad()) {
    const auto vjp = [&](const torch::Tensor& v) {
      torch::Tensor g = torch::autograd::grad({F}, {xin}, {v}, /*retain_graph=*/true, /*create_graph=*/track,
                                              /*allow_unused=*/true)[0];
      return g.defined() ? g : torch::zeros_like(xin);
    };
    if (options.divergence == DivergenceMethod::exact) {
      std::vector<torch::Tensor> diagonal;
      diagonal.reserve(static_cast<size_t>(a));
      for (int64_t i = 0; i < a; ++i) {
        torch::Tensor e = torch::zeros_like(F);
        e.select(1, i).fill_(1.0);
        diagonal.push_back(vjp(e).select(1, i));
      }
      div = torch::stack(diagonal, 1).sum(1);
    } else {
      std::vector<torch::Tensor> estimates;
      for (int64_t p = 0; p < probes.size(0); ++p) {
        const torch::Tensor v = probes[p];
        estimates.push_back((vjp(v) * v).sum(1));
      }
      div = torch::stack(estimates, 0).mean(0);
    }
  }
  if (!track) return {F.detach(), div.detach()};
  return {F, div};
}

}  // namespace

LikelihoodResult log_likelihood_with_details(const GenerativePath& path, const ModelFunction& model,
                                             const torch::Tensor& x, const torch::Tensor& condition,
                                             const LikelihoodOptions& options, c10::optional<at::Generator> generator) {
  if (!x.defined() || x.dim() != 2) {
    throw std::invalid_argument("log_likelihood: x must be [B, A], got " +
                                (x.defined() ? c10::str(x.sizes()) : std::string("an undefined tensor")));
  }
  if (condition.defined() && condition.numel() > 0 && condition.size(0) != x.size(0)) {
    throw std::invalid_argument("log_likelihood: condition has " + std::to_string(condition.size(0)) +
                                " rows but x has " + std::to_string(x.size(0)));
  }
  if (c10::InferenceMode::is_enabled()) {
    throw std::logic_error("log_likelihood: the divergence needs autograd; call it under torch::NoGradGuard, "
                           "not torch::InferenceMode");
  }
  if (options.solver == SolverKind::sde_euler_maruyama || options.solver == SolverKind::dpm_solver) {
    throw std::invalid_argument("log_likelihood: solver must be euler, heun, rk4 or dopri5, got " + to_string(options.solver));
  }
  if (options.divergence == DivergenceMethod::hutchinson && options.hutchinson_probes < 1) {
    throw std::invalid_argument("log_likelihood: hutchinson_probes must be >= 1");
  }
  const TimeInterval interval =
      options.use_default_interval ? default_time_interval(path, model.type, options.solver) : options.interval;
  const int64_t a = x.size(1);
  torch::Tensor probes;
  if (options.divergence == DivergenceMethod::hutchinson) {  // Rademacher +-1, fixed along the trajectory
    probes = torch::randint(0, 2, {options.hutchinson_probes, x.size(0), a}, generator, x.options()) * 2.0 - 1.0;
  }
  int evaluations = 0;
  const DriftFn augmented = [&](double t, const torch::Tensor& state) {
    ++evaluations;
    const auto [F, div] = drift_and_divergence(path, model, t, state.narrow(1, 0, a), condition, options, probes);
    return torch::cat({F, -div.unsqueeze(1)}, 1);
  };
  const torch::Tensor start = torch::cat({x, torch::zeros({x.size(0), 1}, x.options())}, 1);
  torch::Tensor end;
  if (options.solver == SolverKind::dopri5) {
    end = integrate_dopri5(augmented, start, interval.data_end, interval.noise_end, options.adaptive).x;
  } else {
    const FixedStepMethod method = options.solver == SolverKind::euler  ? FixedStepMethod::euler
                                   : options.solver == SolverKind::heun ? FixedStepMethod::heun
                                                                        : FixedStepMethod::rk4;
    end = integrate_fixed_grid(augmented, start, uniform_grid(interval.data_end, interval.noise_end, options.grid_points),
                               method);
  }
  LikelihoodResult result;
  result.noise = end.narrow(1, 0, a);
  result.delta = end.select(1, a);
  result.log_prob = standard_normal_log_prob(result.noise) - result.delta;
  result.function_evaluations = evaluations;
  return result;
}

}  // namespace grl::generative
