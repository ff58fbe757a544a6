#include "datasets/discounted_returns.h"

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace grl::datasets {

torch::Tensor discounted_returns(const TransitionSet& transitions, double discount) {
  if (!(discount >= 0.0 && discount <= 1.0)) {
    throw std::invalid_argument("discounted_returns: discount must be in [0, 1], got " + std::to_string(discount));
  }
  const std::int64_t n = transitions.size();
  torch::Tensor returns = torch::zeros({n}, torch::kFloat64);
  if (n == 0) return returns;
  const torch::Tensor observations = transitions.observations.to(torch::kCPU, torch::kFloat32).contiguous();
  const torch::Tensor next_observations = transitions.next_observations.to(torch::kCPU, torch::kFloat32).contiguous();
  const torch::Tensor rewards = transitions.rewards.to(torch::kCPU, torch::kFloat64).reshape({n}).contiguous();
  const torch::Tensor dones = transitions.dones.to(torch::kCPU, torch::kFloat32).reshape({n}).contiguous();
  const std::int64_t width = observations.size(1);
  const float* obs = observations.data_ptr<float>();
  const float* next_obs = next_observations.data_ptr<float>();
  const double* r = rewards.data_ptr<double>();
  const float* done = dones.data_ptr<float>();
  double* g = returns.data_ptr<double>();
  // Backwards: each row adds its reward to the discounted return of the row it continues into.
  double following = 0.0;
  for (std::int64_t i = n - 1; i >= 0; --i) {
    const bool continues = i + 1 < n && done[i] == 0.0f &&
                           std::memcmp(next_obs + i * width, obs + (i + 1) * width, sizeof(float) * width) == 0;
    g[i] = r[i] + (continues ? discount * following : 0.0);
    following = g[i];
  }
  return returns;
}

}  // namespace grl::datasets
