#include "algorithms/generative/guidance.h"

#include "algorithms/generative/conversions.h"

#include <stdexcept>

namespace grl::generative {

torch::Tensor energy_gradient(const EnergyFn& energy, const torch::Tensor& t, const torch::Tensor& x,
                              const torch::Tensor& condition) {
  // Inference mode tensors cannot enter autograd; samplers run under NoGradGuard instead.
  torch::AutoGradMode enable(true);
  const torch::Tensor input = x.detach().requires_grad_(true);
  const torch::Tensor e = energy(t.detach(), input, condition.defined() ? condition.detach() : condition);
  if (e.dim() != 1 || e.size(0) != x.size(0)) {
    throw std::invalid_argument("energy_gradient: the energy must be [B] = [" + std::to_string(x.size(0)) + "], got " +
                                c10::str(e.sizes()));
  }
  return torch::autograd::grad({e.sum()}, {input})[0].detach();
}

ModelFunction guided_model(const GenerativePath& path, ModelFunction model, EnergyFn energy, double scale) {
  if (path.is_flow()) throw std::invalid_argument("guided_model: energy guidance needs a diffusion path, not " + path.name());
  DiffusionPathPtr dp = path.diffusion;
  return {[dp, model = std::move(model), energy = std::move(energy), scale](const torch::Tensor& t, const torch::Tensor& x,
                                                                           const torch::Tensor& c) {
            const torch::Tensor eps = convert(model.type, ModelType::noise, model(t, x, c), t, x, *dp);
            if (scale == 0.0) return eps;
            const torch::Tensor sigma = dp->sigma(t).reshape({-1, 1});
            return eps - scale * sigma * energy_gradient(energy, t, x, c);
          },
          ModelType::noise};
}

}  // namespace grl::generative
