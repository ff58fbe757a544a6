// What a generative network predicts, and the function type every solver and loss calls.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>

namespace grl::generative {

// The four parameterisations of a diffusion model's output m(t, x, c) (GenerativeRL's
// grl/generative_models/model_functions/: score, noise, velocity, data).
// Flow models (ICFM, OT-CFM) always predict a velocity.
enum class ModelType { score, noise, velocity, data };

// "score", "noise", "velocity", "data"; parse_model_type also accepts "eps" and "x0" and throws
// std::invalid_argument naming the value and the accepted names otherwise.
std::string to_string(ModelType type);
ModelType parse_model_type(const std::string& name);

// m = fn(t [B], x [B, A], condition [B, S] or an undefined tensor for unconditional models).
// t is in the path's own time (diffusion: t=0 data, t=1 noise; flow: t=0 noise, t=1 data).
using ModelFn = std::function<torch::Tensor(const torch::Tensor& t, const torch::Tensor& x,
                                            const torch::Tensor& condition)>;

// A model function together with the parameterisation of its output.
struct ModelFunction {
  ModelFn fn;
  ModelType type = ModelType::velocity;

  torch::Tensor operator()(const torch::Tensor& t, const torch::Tensor& x,
                           const torch::Tensor& condition) const {
    return fn(t, x, condition);
  }
};

}  // namespace grl::generative
