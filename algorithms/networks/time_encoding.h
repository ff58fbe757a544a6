// Gaussian-Fourier features of the diffusion/flow time t (Tancik et al.; GenerativeRL's default).
//
//   W ~ N(0, 1) * scale * 2 pi  (num_frequencies fixed frequencies, drawn once)
//   phi(t) = [sin(t W), cos(t W)]   (2 * num_frequencies features)
//
// W is a buffer, not a parameter: it is never trained but is saved and loaded with the model, so a
// reloaded network sees exactly the features it was trained on.
#pragma once

#include <torch/torch.h>

namespace grl::networks {

class GaussianFourierTimeEncodingImpl : public torch::nn::Module {
 public:
  // Draws W from LibTorch's global generator (seed it for reproducible networks).
  explicit GaussianFourierTimeEncodingImpl(int64_t num_frequencies = 16, double scale = 30.0);

  // t: [B] (or [B, 1]) -> [B, 2 * num_frequencies].
  torch::Tensor forward(const torch::Tensor& t);

  int64_t output_dim() const { return 2 * frequencies.size(0); }

  torch::Tensor frequencies;  // W, [num_frequencies]
};
TORCH_MODULE(GaussianFourierTimeEncoding);

}  // namespace grl::networks
