// Target networks and exponential moving averages: target <- (1 - rate) target + rate source.
// Polyak-averaged critics (IQL, CQL, TD3+BC, SAC, QGPO, Diffusion-QL) and EMA copies of generative
// models (IDQL, SfBC, Diffusion-QL's actor) are the same update; rate 1 copies the source.
#pragma once

#include <torch/torch.h>

namespace grl::networks {

enum class SoftUpdateBuffers {
  keep,     // parameters only (target critics: they hold no learned buffers)
  average,  // also the floating buffers (an EMA of a whole model)
};

// Parameter by parameter; the two modules must have the same parameters (names and shapes), else
// std::invalid_argument names the first that differs. Runs without autograd.
void soft_update(const torch::nn::Module& source, torch::nn::Module& target, double rate,
                 SoftUpdateBuffers buffers = SoftUpdateBuffers::keep);

}  // namespace grl::networks
