// Critic networks of the IQL critic shared by GMPO, GMPG and several baselines:
//   Q_i(s, a) = MLP([a, s] -> 256 -> 256 -> 1, ReLU), i = 1, 2 (two independent heads)
//   V(s)      = MLP(s -> 256 -> 256 -> 1, ReLU)
// Polyak target copies are the algorithm's business (clone the module).
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <utility>

#include "algorithms/networks/mlp.h"
#include "common/registry.h"

namespace grl::networks {

struct CriticNetworkConfig {
  std::string name = "mlp";  // a registered critic architecture
  MlpConfig mlp;             // widths {256, 256}, ReLU

  template <class V>
  void visit(V& v);
};

class DoubleQNetworkImpl : public torch::nn::Module {
 public:
  DoubleQNetworkImpl(int64_t state_dim, int64_t action_dim, const MlpConfig& config = {});

  // state [B, S], action [B, A] -> (Q1, Q2), each [B]
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& state, const torch::Tensor& action);
  // min(Q1, Q2): [B]
  torch::Tensor min_q(const torch::Tensor& state, const torch::Tensor& action);

  int64_t state_dim() const { return state_dim_; }
  int64_t action_dim() const { return action_dim_; }

  Mlp q1{nullptr}, q2{nullptr};  // input [a, s] (action first, as in GenerativeRL)

 private:
  int64_t state_dim_, action_dim_;
};
TORCH_MODULE(DoubleQNetwork);

class ValueNetworkImpl : public torch::nn::Module {
 public:
  explicit ValueNetworkImpl(int64_t state_dim, const MlpConfig& config = {});

  // state [B, S] -> V [B]
  torch::Tensor forward(const torch::Tensor& state);

  Mlp v{nullptr};
};
TORCH_MODULE(ValueNetwork);

using DoubleQNetworkFactory = std::function<DoubleQNetwork(const CriticNetworkConfig&, int64_t state_dim, int64_t action_dim)>;
using ValueNetworkFactory = std::function<ValueNetwork(const CriticNetworkConfig&, int64_t state_dim)>;

Registry<DoubleQNetworkFactory>& q_network_registry();
Registry<ValueNetworkFactory>& value_network_registry();

DoubleQNetwork make_q_network(const CriticNetworkConfig& config, int64_t state_dim, int64_t action_dim);
ValueNetwork make_value_network(const CriticNetworkConfig& config, int64_t state_dim);

}  // namespace grl::networks
