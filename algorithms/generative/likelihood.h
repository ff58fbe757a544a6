// Log-likelihood of a generative model by the instantaneous change of variables (Chen et al. 2018,
// as GenerativeRL's diffusion_model.py log_prob does it): integrate dx/dt = F(t, x),
// dDelta/dt = -div F from the data (t=0) to the noise (t=1) and take
// log p(a) = log N(x(1); 0, I) - Delta(1). F is data_to_noise_velocity (sampling.h).
//
// Gradients: with autograd on, every step's divergence is built with create_graph, so the result is
// differentiable w.r.t. the input actions, the condition and the model's parameters through the whole
// trajectory. With autograd off (torch::NoGradGuard), the divergence still needs local graphs; they are
// dropped each step. torch::InferenceMode is refused (std::logic_error): it forbids those graphs.
#pragma once

#include "algorithms/generative/model_type.h"
#include "algorithms/generative/ode_solvers.h"
#include "algorithms/generative/path.h"
#include "algorithms/generative/sampling.h"

#include <torch/torch.h>

namespace grl::generative {

enum class DivergenceMethod {
  exact,          // one vector-Jacobian product per action dim
  exact_batched,  // the same in one product: the batch is replicated A times (one model call on A*B rows)
  hutchinson,  // E[v^T J v] with Rademacher probes, drawn once per integration
};

struct LikelihoodOptions {
  SolverKind solver = SolverKind::rk4;  // euler, heun, rk4 or dopri5
  int grid_points = 33;
  AdaptiveOptions adaptive;
  DivergenceMethod divergence = DivergenceMethod::exact;
  int hutchinson_probes = 1;
  bool use_default_interval = true;  // see default_time_interval
  TimeInterval interval;
};

struct LikelihoodResult {
  torch::Tensor log_prob;  // [B]
  torch::Tensor noise;     // x(1) [B, A]
  torch::Tensor delta;     // Delta(1) [B]
  int function_evaluations = 0;
};

LikelihoodResult log_likelihood_with_details(const GenerativePath& path, const ModelFunction& model,
                                             const torch::Tensor& x, const torch::Tensor& condition,
                                             const LikelihoodOptions& options = {},
                                             c10::optional<at::Generator> generator = c10::nullopt);
inline torch::Tensor log_likelihood(const GenerativePath& path, const ModelFunction& model,
                                    const torch::Tensor& x, const torch::Tensor& condition,
                                    const LikelihoodOptions& options = {},
                                    c10::optional<at::Generator> generator = c10::nullopt) {
  return log_likelihood_with_details(path, model, x, condition, options, generator).log_prob;
}

// log N(x; 0, I) summed over the non-batch dims: [B].
torch::Tensor standard_normal_log_prob(const torch::Tensor& x);

}  // namespace grl::generative
