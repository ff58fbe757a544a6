#include "algorithms/networks/time_encoding.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace grl::networks {

GaussianFourierTimeEncodingImpl::GaussianFourierTimeEncodingImpl(int64_t num_frequencies, double scale) {
  if (num_frequencies < 1) {
    throw std::invalid_argument("time encoding: num_frequencies must be >= 1, got " + std::to_string(num_frequencies));
  }
  frequencies = register_buffer("frequencies", torch::randn({num_frequencies}) * (scale * 2.0 * M_PI));
}

torch::Tensor GaussianFourierTimeEncodingImpl::forward(const torch::Tensor& t) {
  const torch::Tensor times = t.dim() == 2 ? t.squeeze(1) : t;
  if (times.dim() != 1) {
    throw std::invalid_argument("time encoding: expected t of shape [B] or [B, 1], got " + std::to_string(t.dim()) +
                                " dims");
  }
  const torch::Tensor angles = times.unsqueeze(1).to(frequencies.dtype()) * frequencies.unsqueeze(0);
  return torch::cat({torch::sin(angles), torch::cos(angles)}, 1);
}

}  // namespace grl::networks
