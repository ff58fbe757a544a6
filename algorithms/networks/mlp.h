// Multi-layer perceptrons: Linear -> activation -> ... -> Linear (no activation on the output).
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

namespace grl::networks {

// An elementwise activation chosen by name: "relu", "silu", "tanh", "gelu", "elu", "mish", "leaky_relu".
using Activation = std::function<torch::Tensor(const torch::Tensor&)>;
Activation activation_by_name(const std::string& name);
const std::vector<std::string>& activation_names();

struct MlpConfig {
  std::vector<int> hidden = {256, 256};  // widths of the hidden layers (empty: one Linear)
  std::string activation = "relu";

  template <class V>
  void visit(V& v);
};

class MlpImpl : public torch::nn::Module {
 public:
  MlpImpl(int64_t input_dim, int64_t output_dim, MlpConfig config = {});

  // [B, input_dim] -> [B, output_dim]
  torch::Tensor forward(const torch::Tensor& x);

  int64_t input_dim() const { return input_dim_; }
  int64_t output_dim() const { return output_dim_; }
  const MlpConfig& config() const { return config_; }

 private:
  int64_t input_dim_, output_dim_;
  MlpConfig config_;
  Activation activation_;
  std::vector<torch::nn::Linear> layers_;
};
TORCH_MODULE(Mlp);

}  // namespace grl::networks
