// Energy guidance of a diffusion model (QGPO's sampler; classifier guidance in general). To sample
//   p(x0) proportional to mu(x0) exp(w E(x0))
// with a model of mu, the score at diffusion time t gains w grad_x E_t(x): the exact intermediate
// energy is E_t(x_t) = (1/w) log E[exp(w E(x0)) | x_t] (QGPO learns it as a time-dependent network).
// In noise form (eps = -sigma score):
//   eps_guided(t, x, c) = eps_mu(t, x, c) - w sigma(t) grad_x E_t(x, c)
// guided_model returns that noise prediction as a ModelFunction, usable by every diffusion solver
// (QGPO: DPM-Solver). The energy gradient is taken with autograd enabled locally, at a detached x:
// sampling under NoGradGuard works, and the guided model is for sampling, not for backpropagation.
#pragma once

#include "algorithms/generative/model_type.h"
#include "algorithms/generative/path.h"

#include <torch/torch.h>

#include <functional>

namespace grl::generative {

// E_t(x, c): t [B], x [B, A], condition [B, S] or undefined -> [B]; differentiable in x.
using EnergyFn = std::function<torch::Tensor(const torch::Tensor& t, const torch::Tensor& x,
                                             const torch::Tensor& condition)>;

// grad_x sum_b E_t(x_b, c_b): [B, A], without gradient history.
torch::Tensor energy_gradient(const EnergyFn& energy, const torch::Tensor& t, const torch::Tensor& x,
                              const torch::Tensor& condition);

// The guided noise prediction of `model` on a diffusion path (throws std::invalid_argument for a
// flow path). scale 0 gives the model's own noise prediction.
ModelFunction guided_model(const GenerativePath& path, ModelFunction model, EnergyFn energy, double scale);

}  // namespace grl::generative
