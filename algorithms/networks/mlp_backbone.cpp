#include "algorithms/networks/mlp_backbone.h"

namespace grl::networks {

MlpBackboneImpl::MlpBackboneImpl(int64_t action_dim, int64_t state_dim, const GenerativeNetworkConfig& config)
    : GenerativeNetworkImpl(action_dim, state_dim) {
  time_encoding = register_module("time_encoding", GaussianFourierTimeEncoding(config.time_frequencies, config.time_scale));
  MlpConfig mlp_config;
  mlp_config.hidden = config.hidden;
  mlp_config.activation = config.activation;
  mlp = register_module("mlp", Mlp(action_dim + time_encoding->output_dim() + state_dim, action_dim, mlp_config));
}

torch::Tensor MlpBackboneImpl::forward(const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor& condition) {
  check_inputs("mlp", t, x, condition);
  const torch::Tensor times = batch_time(t, x);
  std::vector<torch::Tensor> inputs = {x, time_encoding->forward(times)};
  if (state_dim() > 0) inputs.push_back(condition);
  return mlp->forward(torch::cat(inputs, 1));
}

}  // namespace grl::networks
