// The GMPG policy loss and its gradient through the sampler (Zhang et al. 2024; GenerativeRL's
// grl/algorithms/gmpg.py).
//
// For a batch of states s and noise z ~ N(0, I):
//
//   a = ODESolve_theta(z; s)                       K-point grid, gradients flow through every step
//   L = mean( -beta Q(s, a) + (log pi_theta(a|s) - log mu(a|s)) / (A ln 2) )
//
// log pi is by default what the original GenerativeRL computes: the likelihood ODE integrated back from
// a on likelihood_grid_points (log_pi: likelihood_ode), the same estimator on the same grid as log mu,
// so at pi = mu the KL estimate is exactly 0. It only approximates the density of the sampler's output,
// and a policy can learn to drive it to -infinity (docs/gmpg.md). log_pi: sampler_steps instead takes
// the exact log-density of the sampler's own output: the sampler is a chain of invertible steps
// x_{k+1} = Phi_k(x_k), so log pi(a) = log N(z) - sum_k log|det dPhi_k/dx_k| with each step's A x A
// Jacobian computed exactly. Nothing is left to exploit, but against the ODE's log mu the KL estimate
// is off by O(h) at pi = mu (first order in the step; tested). log mu is always the likelihood ODE
// (mu's sampler cannot be inverted at the policy's actions); the exact divergence is used on its own
// fixed grid. mu and Q are frozen, only theta gets gradients, both directly (log pi_theta's
// network) and through a (the sampler, Q, log pi and log mu all depend on a).
//
// Discrete adjoint (the default): the sampler and both likelihood solves run without a graph, keeping
// only their states; the backward pass recomputes one step at a time (discrete_adjoint.h). It equals
// plain autograd through the unrolled solvers (method autograd, kept as the reference and for
// measuring memory) up to rounding, with memory independent of K. Batches may also be split into
// micro-batches whose gradients are summed, so memory is bounded in the batch size as well.
//
// REINFORCE variant (GenerativeRL's GMPG_REINFORCE): actions are sampled from mu without gradients,
// w = min(exp(beta (Q - V)), C) / C, f = -beta Q + (log pi - log mu) / (A ln 2), and
// L = mean(w f log pi / (A ln 2)) with w and f held constant: only log pi_theta's network is
// differentiated, never the sampler.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "algorithms/generative/likelihood.h"
#include "algorithms/generative/sampling.h"
#include "algorithms/generative_policy.h"
#include "algorithms/gmpg/discrete_adjoint.h"

namespace grl::gmpg {

enum class GradientMethod {
  discrete_adjoint,  // bounded memory; exact for the discretised solvers
  autograd,          // backprop through the unrolled solvers (memory grows with both grids)
};
std::string to_string(GradientMethod method);
GradientMethod parse_gradient_method(const std::string& name);  // "discrete_adjoint", "autograd"

// How the pathwise estimator gets log pi_theta(a|s) of its own sampled actions.
enum class PolicyLogLikelihood {
  sampler_steps,   // log N(z) - sum_k log|det dPhi_k/dx_k|: exact for the discrete sampler
  likelihood_ode,  // the likelihood ODE from a on likelihood_grid_points (the reference framework's)
};
std::string to_string(PolicyLogLikelihood kind);
PolicyLogLikelihood parse_policy_log_likelihood(const std::string& name);  // "sampler_steps", "likelihood_ode"

struct PolicyGradientOptions {
  double beta = 1.0;                                              // weight of -Q
  int grid_points = 1000;                                         // sampler grid the gradient flows through
  generative::SolverKind solver = generative::SolverKind::euler;  // euler, heun or rk4
  generative::SolverKind likelihood_solver = generative::SolverKind::euler;  // euler, heun or rk4
  int likelihood_grid_points = 1000;  // log mu's grid (and log pi's with likelihood_ode)
  // Pathwise only: REINFORCE evaluates log pi at mu's actions, where only the likelihood ODE applies.
  PolicyLogLikelihood log_pi = PolicyLogLikelihood::likelihood_ode;
  // exact: one vector-Jacobian product per action dim; exact_batched: the same numbers from one model
  // call on the batch replicated A times (faster for small batches, A times the memory).
  generative::DivergenceMethod divergence = generative::DivergenceMethod::exact;
  GradientMethod method = GradientMethod::discrete_adjoint;
  int adjoint_stride = 1;   // keep every stride-th state; the rest are recomputed in the backward pass
  int64_t micro_batch = 0;  // rows per gradient chunk (0: the whole batch at once)
  double weight_clamp = 100.0;  // REINFORCE: C in min(exp(beta A), C) / C

  // Throws std::invalid_argument naming the offending option.
  void check() const;
};

// Q(s, a) -> [B] (differentiable in a when autograd is on); V(s) -> [B].
using QFunction = std::function<torch::Tensor(const torch::Tensor& states, const torch::Tensor& actions)>;
using VFunction = std::function<torch::Tensor(const torch::Tensor& states)>;

struct PolicyGradientStats {
  double loss = 0.0;         // L (REINFORCE: its surrogate)
  double q_mean = 0.0;       // mean Q(s, a)
  double log_pi_bits = 0.0;  // mean log pi(a|s) / (A ln 2)
  double log_mu_bits = 0.0;  // mean log mu(a|s) / (A ln 2)
  double kl_bits = 0.0;      // log_pi_bits - log_mu_bits: the KL estimate in bits per action dim
  double weight_mean = 0.0;  // REINFORCE only: mean of w
};

// One step of `policy`'s sampler on its tau grid (noise -> data), as a GridStep; condition [B, S] or
// undefined. The same drift and grid as generative::sample with `solver` and `grid_points` points.
GridStep make_sampler_step(const GenerativePolicyImpl& policy, const torch::Tensor& condition, int grid_points,
                           generative::SolverKind solver);
// The same step with increment = log|det dPhi_k/dx_k| [B], the step's exact Jacobian (one
// vector-Jacobian product per action dim, or one on the batch replicated A times with exact_batched).
// With autograd on, the log-determinant keeps its graph (it is differentiated in x and theta).
GridStep make_sampler_step_with_log_det(const GenerativePolicyImpl& policy, const torch::Tensor& condition,
                                        int grid_points, generative::SolverKind solver,
                                        generative::DivergenceMethod jacobian = generative::DivergenceMethod::exact);

// One step of the augmented likelihood ODE (data -> noise, x and Delta) of `policy` on the core's
// default interval with `grid_points` points; increment = that step's share of Delta.
GridStep make_likelihood_step(const GenerativePolicyImpl& policy, const torch::Tensor& condition, int grid_points,
                              generative::SolverKind solver,
                              generative::DivergenceMethod divergence = generative::DivergenceMethod::exact);

// Actions a = ODESolve(noise; states) on the gradient grid, without gradients: [B, A].
torch::Tensor sample_on_gradient_grid(const GenerativePolicyImpl& policy, const torch::Tensor& states,
                                      const torch::Tensor& noise, const PolicyGradientOptions& options);

struct SampledActions {
  torch::Tensor actions;   // [B, A]
  torch::Tensor log_prob;  // [B]: log N(noise) - sum_k log|det dPhi_k/dx_k|
};
// The same actions with their exact log-density under the discrete sampler, without gradients.
SampledActions sample_with_log_prob(const GenerativePolicyImpl& policy, const torch::Tensor& states,
                                    const torch::Tensor& noise, const PolicyGradientOptions& options);

// L for fixed noise without any gradient (what finite differences are taken of).
PolicyGradientStats gmpg_loss(GenerativePolicyImpl& policy, GenerativePolicyImpl& behaviour, const QFunction& q,
                              const torch::Tensor& states, const torch::Tensor& noise,
                              const PolicyGradientOptions& options);

// L and dL/dtheta for fixed noise; the gradient is ADDED to the .grad() of every policy parameter that
// requires grad (zero them first). Nothing else gets a gradient: behaviour and q may require grad.
PolicyGradientStats gmpg_gradient(GenerativePolicyImpl& policy, GenerativePolicyImpl& behaviour, const QFunction& q,
                                  const torch::Tensor& states, const torch::Tensor& noise,
                                  const PolicyGradientOptions& options);

// min(exp(beta (q - v)), clamp) / clamp, elementwise, without gradient.
torch::Tensor reinforce_weights(const torch::Tensor& q, const torch::Tensor& v, double beta, double clamp);

// The REINFORCE surrogate's value and gradient (added to the policy's .grad(), as gmpg_gradient).
// noise drives the behaviour sampler (on the gradient grid) that draws the actions.
PolicyGradientStats reinforce_gradient(GenerativePolicyImpl& policy, GenerativePolicyImpl& behaviour,
                                       const QFunction& q, const VFunction& v, const torch::Tensor& states,
                                       const torch::Tensor& noise, const PolicyGradientOptions& options);

}  // namespace grl::gmpg
