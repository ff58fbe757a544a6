#include "algorithms/gmpg/policy_gradient.h"

#include <cmath>
#include <stdexcept>

#include "algorithms/generative/likelihood.h"
#include "algorithms/generative/ode_solvers.h"

namespace grl::gmpg {

namespace gen = grl::generative;

std::string to_string(GradientMethod method) {
  return method == GradientMethod::discrete_adjoint ? "discrete_adjoint" : "autograd";
}

GradientMethod parse_gradient_method(const std::string& name) {
  if (name == "discrete_adjoint") return GradientMethod::discrete_adjoint;
  if (name == "autograd") return GradientMethod::autograd;
  throw std::invalid_argument("unknown gradient method '" + name + "' (expected discrete_adjoint or autograd)");
}

std::string to_string(PolicyLogLikelihood kind) {
  return kind == PolicyLogLikelihood::sampler_steps ? "sampler_steps" : "likelihood_ode";
}

PolicyLogLikelihood parse_policy_log_likelihood(const std::string& name) {
  if (name == "sampler_steps") return PolicyLogLikelihood::sampler_steps;
  if (name == "likelihood_ode") return PolicyLogLikelihood::likelihood_ode;
  throw std::invalid_argument("unknown log_pi method '" + name + "' (expected sampler_steps or likelihood_ode)");
}

namespace {

bool fixed_step(gen::SolverKind kind) {
  return kind == gen::SolverKind::euler || kind == gen::SolverKind::heun || kind == gen::SolverKind::rk4;
}

gen::FixedStepMethod fixed_method(gen::SolverKind kind) {
  switch (kind) {
    case gen::SolverKind::euler: return gen::FixedStepMethod::euler;
    case gen::SolverKind::heun: return gen::FixedStepMethod::heun;
    case gen::SolverKind::rk4: return gen::FixedStepMethod::rk4;
    default: break;
  }
  throw std::invalid_argument("GMPG: solver '" + gen::to_string(kind) + "' is not a fixed-grid solver (euler, heun, rk4)");
}

torch::Tensor condition_of(const GenerativePolicyImpl& policy, const torch::Tensor& states) {
  if (!states.defined() || states.dim() != 2 || states.size(1) != policy.state_dim()) {
    throw std::invalid_argument("GMPG: expected states of shape [B, " + std::to_string(policy.state_dim()) + "], got " +
                                (states.defined() ? c10::str(states.sizes()) : std::string("(undefined)")));
  }
  return policy.state_dim() > 0 ? states : torch::Tensor();
}

void check_noise(const GenerativePolicyImpl& policy, const torch::Tensor& states, const torch::Tensor& noise) {
  if (!noise.defined() || noise.dim() != 2 || noise.size(0) != states.size(0) || noise.size(1) != policy.action_dim()) {
    throw std::invalid_argument("GMPG: expected noise of shape [" + std::to_string(states.size(0)) + ", " +
                                std::to_string(policy.action_dim()) + "], got " +
                                (noise.defined() ? c10::str(noise.sizes()) : std::string("(undefined)")));
  }
}

std::vector<torch::Tensor> trainable_parameters(GenerativePolicyImpl& policy) {
  std::vector<torch::Tensor> out;
  for (const auto& p : policy.parameters()) {
    if (p.requires_grad()) out.push_back(p);
  }
  return out;
}

void add_to_grad(const std::vector<torch::Tensor>& parameters, const std::vector<torch::Tensor>& grads) {
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    if (!grads[i].defined()) continue;
    torch::Tensor p = parameters[i];
    if (p.grad().defined()) {
      p.mutable_grad().add_(grads[i]);
    } else {
      p.mutable_grad() = grads[i].detach().clone();
    }
  }
}

double bits_scale(const GenerativePolicyImpl& policy) {
  return 1.0 / (static_cast<double>(policy.action_dim()) * std::log(2.0));
}

// Rows [begin, end) of the batch, or all of it when micro_batch is 0.
template <class F>
void for_each_chunk(int64_t rows, int64_t micro_batch, F&& f) {
  const int64_t chunk = micro_batch > 0 ? micro_batch : rows;
  for (int64_t begin = 0; begin < rows; begin += chunk) f(begin, std::min(rows, begin + chunk) - begin);
}

gen::LikelihoodOptions full_likelihood_options(const PolicyGradientOptions& options) {
  gen::LikelihoodOptions o;
  o.solver = options.likelihood_solver;
  o.grid_points = options.likelihood_grid_points;
  o.divergence = options.divergence;
  return o;
}

// Sums of the per-sample terms over a chunk (divided by the whole batch at the end).
struct Sums {
  double loss = 0, q = 0, log_pi = 0, log_mu = 0, weight = 0;
  void add_to(PolicyGradientStats& s, double rows) const {
    s.loss += loss / rows;
    s.q_mean += q / rows;
    s.log_pi_bits += log_pi / rows;
    s.log_mu_bits += log_mu / rows;
    s.weight_mean += weight / rows;
  }
};

struct LikelihoodSolve {
  DiscreteAdjointSolve solve;
  torch::Tensor noise, log_prob;
  LikelihoodSolve(const GenerativePolicyImpl& model, const torch::Tensor& condition, const torch::Tensor& actions,
                  const PolicyGradientOptions& options)
      : solve(make_likelihood_step(model, condition, options.likelihood_grid_points, options.likelihood_solver,
                                   options.divergence),
              options.likelihood_grid_points - 1, options.adjoint_stride) {
    solve.forward(actions);
    noise = solve.final_state();
    log_prob = gen::standard_normal_log_prob(noise) - solve.total_increment();
  }
  // dL/dlog p per sample [B] -> dL/da; parameter gradients added to grads.
  torch::Tensor backward(const torch::Tensor& dlogp, const std::vector<torch::Tensor>& parameters,
                         std::vector<torch::Tensor>& grads) {
    // log p = log N(x_K) - Delta: d/dx_K = -x_K, d/dDelta = -1.
    return solve.backward(-dlogp.unsqueeze(1) * noise, -dlogp, parameters, grads);
  }
};

}  // namespace

void PolicyGradientOptions::check() const {
  if (grid_points < 2) throw std::invalid_argument("GMPG: grid_points must be >= 2, got " + std::to_string(grid_points));
  if (likelihood_grid_points < 2) {
    throw std::invalid_argument("GMPG: likelihood_grid_points must be >= 2, got " + std::to_string(likelihood_grid_points));
  }
  if (!fixed_step(solver)) throw std::invalid_argument("GMPG: solver must be euler, heun or rk4, got " + gen::to_string(solver));
  if (!fixed_step(likelihood_solver)) {
    throw std::invalid_argument("GMPG: likelihood_solver must be euler, heun or rk4, got " + gen::to_string(likelihood_solver));
  }
  if (adjoint_stride < 1) throw std::invalid_argument("GMPG: adjoint_stride must be >= 1, got " + std::to_string(adjoint_stride));
  if (micro_batch < 0) throw std::invalid_argument("GMPG: micro_batch must be >= 0, got " + std::to_string(micro_batch));
  if (!(weight_clamp > 0)) throw std::invalid_argument("GMPG: weight_clamp must be > 0");
  if (!std::isfinite(beta)) throw std::invalid_argument("GMPG: beta must be finite");
  if (divergence == gen::DivergenceMethod::hutchinson) {
    throw std::invalid_argument("GMPG: the likelihood divergence must be exact or exact_batched (Hutchinson probes are "
                                "not reproducible between the adjoint's forward and backward passes)");
  }
}

GridStep make_sampler_step(const GenerativePolicyImpl& policy, const torch::Tensor& condition, int grid_points,
                           gen::SolverKind solver) {
  const gen::GenerativePath path = policy.path();
  const gen::ModelFunction model = policy.model_function();
  const gen::FixedStepMethod method = fixed_method(solver);
  const gen::TimeInterval interval = gen::default_time_interval(path, model.type, solver);
  // Solver time tau runs noise -> data, exactly as generative::sample builds it.
  const std::vector<double> tau = gen::uniform_grid(1.0 - interval.noise_end, 1.0 - interval.data_end, grid_points);
  return [path, model, method, tau, condition](int64_t k, const torch::Tensor& x) {
    const gen::DriftFn drift = [&](double t, const torch::Tensor& y) -> torch::Tensor {
      if (path.is_flow()) return model(torch::full({y.size(0)}, t, y.options()), y, condition);
      return -gen::data_to_noise_velocity(path, model, 1.0 - t, y, condition);
    };
    const std::vector<double> grid{tau[static_cast<std::size_t>(k)], tau[static_cast<std::size_t>(k) + 1]};
    return GridStepOutput{gen::integrate_fixed_grid(drift, x, grid, method), torch::Tensor()};
  };
}

GridStep make_sampler_step_with_log_det(const GenerativePolicyImpl& policy, const torch::Tensor& condition,
                                        int grid_points, gen::SolverKind solver, gen::DivergenceMethod jacobian) {
  if (jacobian == gen::DivergenceMethod::hutchinson) {
    throw std::invalid_argument("GMPG: the sampler's log-determinant needs the exact Jacobian (exact or exact_batched)");
  }
  const int64_t a = policy.action_dim();
  const GridStep step = make_sampler_step(policy, condition, grid_points, solver);
  // exact_batched: copy i of the batch carries the one-hot probe e_i, so one backward pass gives every row.
  const GridStep replicated =
      jacobian == gen::DivergenceMethod::exact_batched
          ? make_sampler_step(policy, condition.defined() ? condition.repeat({a, 1}) : condition, grid_points, solver)
          : GridStep();
  return [step, replicated, a](int64_t k, const torch::Tensor& x) {
    // Without autograd the Jacobian still needs a local graph; it is dropped with the step.
    const bool track = torch::GradMode::is_enabled();
    torch::AutoGradMode grad_on(true);
    const int64_t b = x.size(0);
    const torch::Tensor xin = (track && x.requires_grad()) ? x : x.detach().requires_grad_(true);
    torch::Tensor next, jacobian_rows;  // [B, A, A]: entry (n, i, j) = d next_{n,i} / d x_{n,j}
    if (replicated) {
      const torch::Tensor xr = xin.repeat({a, 1});
      const torch::Tensor out = replicated(k, xr).next;
      next = out.narrow(0, 0, b);
      const torch::Tensor probes = torch::eye(a, x.options()).repeat_interleave(b, 0);  // row i*b + n: e_i
      const torch::Tensor g = torch::autograd::grad({out}, {xr}, {probes}, /*retain_graph=*/track,
                                                    /*create_graph=*/track, /*allow_unused=*/true)[0];
      jacobian_rows = g.defined() ? g.reshape({a, b, a}).transpose(0, 1) : torch::zeros({b, a, a}, x.options());
    } else {
      next = step(k, xin).next;
      std::vector<torch::Tensor> rows;
      rows.reserve(static_cast<std::size_t>(a));
      for (int64_t i = 0; i < a; ++i) {
        torch::Tensor e = torch::zeros_like(next);
        e.select(1, i).fill_(1.0);
        const torch::Tensor g = torch::autograd::grad({next}, {xin}, {e}, /*retain_graph=*/true, /*create_graph=*/track,
                                                      /*allow_unused=*/true)[0];
        rows.push_back(g.defined() ? g : torch::zeros_like(xin));
      }
      jacobian_rows = torch::stack(rows, 1);
    }
    // The steps of a trained sampler are far from folding (det > 0); log|det| is the density's factor
    // wherever the step is locally invertible.
    const torch::Tensor log_det = std::get<1>(torch::linalg_slogdet(jacobian_rows));
    if (!track) return GridStepOutput{next.detach(), log_det.detach()};
    return GridStepOutput{next, log_det};
  };
}

GridStep make_likelihood_step(const GenerativePolicyImpl& policy, const torch::Tensor& condition, int grid_points,
                              gen::SolverKind solver, gen::DivergenceMethod divergence) {
  const gen::GenerativePath path = policy.path();
  const gen::ModelFunction model = policy.model_function();
  fixed_method(solver);
  const gen::TimeInterval interval = gen::default_time_interval(path, model.type, solver);
  const std::vector<double> t = gen::uniform_grid(interval.data_end, interval.noise_end, grid_points);
  if (divergence == gen::DivergenceMethod::hutchinson) {
    // Fresh probes per call would differ between the forward pass and the recomputation.
    throw std::invalid_argument("GMPG: the likelihood divergence must be exact or exact_batched");
  }
  return [path, model, solver, t, condition, divergence](int64_t k, const torch::Tensor& x) {
    gen::LikelihoodOptions o;
    o.solver = solver;
    o.grid_points = 2;
    o.divergence = divergence;
    o.use_default_interval = false;
    o.interval = {t[static_cast<std::size_t>(k)], t[static_cast<std::size_t>(k) + 1]};
    const gen::LikelihoodResult r = gen::log_likelihood_with_details(path, model, x, condition, o);
    return GridStepOutput{r.noise, r.delta};
  };
}

torch::Tensor sample_on_gradient_grid(const GenerativePolicyImpl& policy, const torch::Tensor& states,
                                      const torch::Tensor& noise, const PolicyGradientOptions& options) {
  options.check();
  const torch::Tensor condition = condition_of(policy, states);
  check_noise(policy, states, noise);
  torch::NoGradGuard no_grad;
  return integrate_unrolled(make_sampler_step(policy, condition, options.grid_points, options.solver), noise,
                            options.grid_points - 1)
      .next;
}

SampledActions sample_with_log_prob(const GenerativePolicyImpl& policy, const torch::Tensor& states,
                                    const torch::Tensor& noise, const PolicyGradientOptions& options) {
  options.check();
  const torch::Tensor condition = condition_of(policy, states);
  check_noise(policy, states, noise);
  torch::NoGradGuard no_grad;
  const GridStepOutput out = integrate_unrolled(
      make_sampler_step_with_log_det(policy, condition, options.grid_points, options.solver, options.divergence), noise,
      options.grid_points - 1);
  return {out.next, gen::standard_normal_log_prob(noise) - out.increment};
}

PolicyGradientStats gmpg_loss(GenerativePolicyImpl& policy, GenerativePolicyImpl& behaviour, const QFunction& q,
                              const torch::Tensor& states, const torch::Tensor& noise,
                              const PolicyGradientOptions& options) {
  options.check();
  condition_of(policy, states);
  check_noise(policy, states, noise);
  const double rows = static_cast<double>(states.size(0)), scale = bits_scale(policy);
  PolicyGradientStats stats;
  torch::NoGradGuard no_grad;
  for_each_chunk(states.size(0), options.micro_batch, [&](int64_t begin, int64_t n) {
    const torch::Tensor s = states.narrow(0, begin, n), z = noise.narrow(0, begin, n);
    const torch::Tensor condition = condition_of(policy, s);
    torch::Tensor a, log_pi;
    if (options.log_pi == PolicyLogLikelihood::sampler_steps) {
      const SampledActions sampled = sample_with_log_prob(policy, s, z, options);
      a = sampled.actions;
      log_pi = sampled.log_prob;
    } else {
      a = sample_on_gradient_grid(policy, s, z, options);
      log_pi = gen::log_likelihood(policy.path(), policy.model_function(), a, condition, full_likelihood_options(options));
    }
    const torch::Tensor qa = q(s, a);
    const torch::Tensor log_mu = gen::log_likelihood(behaviour.path(), behaviour.model_function(), a, condition,
                                                     full_likelihood_options(options));
    Sums sums;
    sums.loss = (-options.beta * qa + (log_pi - log_mu) * scale).sum().item<double>();
    sums.q = qa.sum().item<double>();
    sums.log_pi = (log_pi * scale).sum().item<double>();
    sums.log_mu = (log_mu * scale).sum().item<double>();
    sums.add_to(stats, rows);
  });
  stats.kl_bits = stats.log_pi_bits - stats.log_mu_bits;
  return stats;
}

PolicyGradientStats gmpg_gradient(GenerativePolicyImpl& policy, GenerativePolicyImpl& behaviour, const QFunction& q,
                                  const torch::Tensor& states, const torch::Tensor& noise,
                                  const PolicyGradientOptions& options) {
  options.check();
  condition_of(policy, states);
  check_noise(policy, states, noise);
  if (behaviour.action_dim() != policy.action_dim() || behaviour.state_dim() != policy.state_dim()) {
    throw std::invalid_argument("GMPG: the policy and the behaviour model differ in state or action dims");
  }
  const double rows = static_cast<double>(states.size(0)), scale = bits_scale(policy);
  const std::vector<torch::Tensor> parameters = trainable_parameters(policy);
  std::vector<torch::Tensor> grads(parameters.size());
  PolicyGradientStats stats;
  for_each_chunk(states.size(0), options.micro_batch, [&](int64_t begin, int64_t n) {
    const torch::Tensor s = states.narrow(0, begin, n), z = noise.narrow(0, begin, n);
    const torch::Tensor condition = condition_of(policy, s);
    const bool sampler_log_pi = options.log_pi == PolicyLogLikelihood::sampler_steps;
    const GridStep sampler_step =
        sampler_log_pi
            ? make_sampler_step_with_log_det(policy, condition, options.grid_points, options.solver, options.divergence)
            : make_sampler_step(policy, condition, options.grid_points, options.solver);
    Sums sums;
    if (options.method == GradientMethod::autograd) {
      torch::AutoGradMode grad_on(true);
      const GridStepOutput sampled = integrate_unrolled(sampler_step, z, options.grid_points - 1);
      const torch::Tensor a = sampled.next;
      const torch::Tensor qa = q(s, a);
      const torch::Tensor log_pi =
          sampler_log_pi ? gen::standard_normal_log_prob(z) - sampled.increment
                         : gen::log_likelihood(policy.path(), policy.model_function(), a, condition,
                                               full_likelihood_options(options));
      const torch::Tensor log_mu = gen::log_likelihood(behaviour.path(), behaviour.model_function(), a, condition,
                                                       full_likelihood_options(options));
      const torch::Tensor per_sample = -options.beta * qa + (log_pi - log_mu) * scale;
      const torch::Tensor chunk_loss = per_sample.sum() / rows;
      const auto g = torch::autograd::grad({chunk_loss}, parameters, {}, /*retain_graph=*/false,
                                           /*create_graph=*/false, /*allow_unused=*/true);
      for (std::size_t i = 0; i < parameters.size(); ++i) accumulate(grads[i], g[i]);
      sums.loss = per_sample.sum().item<double>();
      sums.q = qa.sum().item<double>();
      sums.log_pi = (log_pi * scale).sum().item<double>();
      sums.log_mu = (log_mu * scale).sum().item<double>();
    } else {
      DiscreteAdjointSolve sampler(sampler_step, options.grid_points - 1, options.adjoint_stride);
      sampler.forward(z);
      const torch::Tensor a = sampler.final_state();
      // dL/da from -beta Q / B (the critic is only differentiated in a).
      torch::Tensor grad_a, qa;
      {
        torch::AutoGradMode grad_on(true);
        const torch::Tensor a_var = a.detach().requires_grad_(true);
        qa = q(s, a_var);
        grad_a = torch::autograd::grad({qa.sum() * (-options.beta / rows)}, {a_var})[0];
        qa = qa.detach();
      }
      // dL/dlog pi = 1 / (B A ln 2) per sample, dL/dlog mu = -1 / (B A ln 2).
      const torch::Tensor coefficient = torch::full({n}, scale / rows, a.options());
      torch::Tensor log_pi, grad_log_det;
      if (sampler_log_pi) {
        // log pi = log N(z) - sum_k log|det|: its gradient rides on the sampler's own adjoint.
        log_pi = gen::standard_normal_log_prob(z) - sampler.total_increment();
        grad_log_det = -coefficient;
      } else {
        LikelihoodSolve pi(policy, condition, a, options);
        grad_a = grad_a + pi.backward(coefficient, parameters, grads);
        log_pi = pi.log_prob;
      }
      LikelihoodSolve mu(behaviour, condition, a, options);
      std::vector<torch::Tensor> unused;
      grad_a = grad_a + mu.backward(-coefficient, {}, unused);
      sampler.backward(grad_a, grad_log_det, parameters, grads);
      sums.loss = (-options.beta * qa + (log_pi - mu.log_prob) * scale).sum().item<double>();
      sums.q = qa.sum().item<double>();
      sums.log_pi = (log_pi * scale).sum().item<double>();
      sums.log_mu = (mu.log_prob * scale).sum().item<double>();
    }
    sums.add_to(stats, rows);
  });
  add_to_grad(parameters, grads);
  stats.kl_bits = stats.log_pi_bits - stats.log_mu_bits;
  return stats;
}

torch::Tensor reinforce_weights(const torch::Tensor& q, const torch::Tensor& v, double beta, double clamp) {
  if (!(clamp > 0)) throw std::invalid_argument("reinforce_weights: clamp must be > 0");
  torch::NoGradGuard no_grad;
  return torch::exp(beta * (q.detach() - v.detach())).clamp_max(clamp) / clamp;
}

PolicyGradientStats reinforce_gradient(GenerativePolicyImpl& policy, GenerativePolicyImpl& behaviour,
                                       const QFunction& q, const VFunction& v, const torch::Tensor& states,
                                       const torch::Tensor& noise, const PolicyGradientOptions& options) {
  options.check();
  condition_of(policy, states);
  check_noise(policy, states, noise);
  const double rows = static_cast<double>(states.size(0)), scale = bits_scale(policy);
  const std::vector<torch::Tensor> parameters = trainable_parameters(policy);
  std::vector<torch::Tensor> grads(parameters.size());
  PolicyGradientStats stats;
  for_each_chunk(states.size(0), options.micro_batch, [&](int64_t begin, int64_t n) {
    const torch::Tensor s = states.narrow(0, begin, n), z = noise.narrow(0, begin, n);
    const torch::Tensor condition = condition_of(policy, s);
    torch::Tensor a, qa, w;
    {
      torch::NoGradGuard no_grad;
      a = sample_on_gradient_grid(behaviour, s, z, options);
      qa = q(s, a).detach();
      w = reinforce_weights(qa, v(s), options.beta, options.weight_clamp);
    }
    LikelihoodSolve mu(behaviour, condition, a, options);
    Sums sums;
    torch::Tensor log_pi;
    if (options.method == GradientMethod::autograd) {
      torch::AutoGradMode grad_on(true);
      log_pi = gen::log_likelihood(policy.path(), policy.model_function(), a, condition, full_likelihood_options(options));
      const torch::Tensor f = (-options.beta * qa + (log_pi.detach() - mu.log_prob) * scale).detach();
      const torch::Tensor surrogate = (w * f * log_pi * scale).sum() / rows;
      const auto g = torch::autograd::grad({surrogate}, parameters, {}, false, false, true);
      for (std::size_t i = 0; i < parameters.size(); ++i) accumulate(grads[i], g[i]);
      log_pi = log_pi.detach();
    } else {
      LikelihoodSolve pi(policy, condition, a, options);
      log_pi = pi.log_prob;
      const torch::Tensor f = -options.beta * qa + (log_pi - mu.log_prob) * scale;
      pi.backward(w * f * (scale / rows), parameters, grads);
    }
    const torch::Tensor f = -options.beta * qa + (log_pi - mu.log_prob) * scale;
    sums.loss = (w * f * log_pi * scale).sum().item<double>();
    sums.q = qa.sum().item<double>();
    sums.log_pi = (log_pi * scale).sum().item<double>();
    sums.log_mu = (mu.log_prob * scale).sum().item<double>();
    sums.weight = w.sum().item<double>();
    sums.add_to(stats, rows);
  });
  add_to_grad(parameters, grads);
  stats.kl_bits = stats.log_pi_bits - stats.log_mu_bits;
  return stats;
}

}  // namespace grl::gmpg
