// The simplest swappable backbone: m = MLP([x, phi(t), state]) with Gaussian-Fourier time features.
// Small and fast; used by the toy-problem tests and as a baseline backbone.
#pragma once

#include <torch/torch.h>

#include "algorithms/networks/generative_network.h"
#include "algorithms/networks/mlp.h"
#include "algorithms/networks/time_encoding.h"

namespace grl::networks {

class MlpBackboneImpl : public GenerativeNetworkImpl {
 public:
  MlpBackboneImpl(int64_t action_dim, int64_t state_dim, const GenerativeNetworkConfig& config = {});

  torch::Tensor forward(const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor& condition) override;

  GaussianFourierTimeEncoding time_encoding{nullptr};
  Mlp mlp{nullptr};  // [x, phi(t), state] -> A
};
TORCH_MODULE(MlpBackbone);

}  // namespace grl::networks
