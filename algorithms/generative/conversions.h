// All conversions between the four model parameterisations (score, noise, velocity, data), in one place.
#pragma once

#include "algorithms/generative/diffusion_path.h"
#include "algorithms/generative/model_type.h"

#include <torch/torch.h>

namespace grl::generative {

// Converts m, the output of a `from` model at (t, x), into what a `to` model would output.
// t is [B] (or 0-dim) and is broadcast over the trailing dims of x [B, ...]; m has x's shape.
// velocity means the probability-flow ODE drift in diffusion time: dx/dt = f x - g^2 score / 2.
// Returns m itself when from == to. Conversions through score/noise divide by sigma (singular at t=0);
// velocity <-> others divide by g^2 (and GVP/linear f, g^2 are infinite at t=1).
torch::Tensor convert(ModelType from, ModelType to, const torch::Tensor& m, const torch::Tensor& t,
                      const torch::Tensor& x, const DiffusionPath& path);

// t [B] reshaped to [B, 1, ..., 1] to broadcast against x [B, ...]; a 0-dim t is returned as is.
torch::Tensor broadcast_time(const torch::Tensor& t, const torch::Tensor& x);

}  // namespace grl::generative
