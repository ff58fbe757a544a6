// The interface every generative backbone implements, its config, and the registry that picks a
// backbone by name ("temporal_spatial_residual", "mlp", or a plugin's).
//
// A backbone maps (t [B], x [B, A], condition [B, S]) -> m [B, A], where m is whatever the model
// parameterisation says (score, noise, velocity or data); the network does not know which.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/registry.h"

namespace grl::networks {

struct GenerativeNetworkConfig {
  std::string name = "temporal_spatial_residual";  // a registered backbone
  std::vector<int> hidden = {512, 256, 128};        // residual net: the U's widths; mlp: hidden widths
  std::string activation = "silu";                  // mlp only (the residual net is SiLU throughout)
  int time_frequencies = 16;                        // Fourier frequencies; phi(t) has twice as many dims
  double time_scale = 30.0;                         // W ~ N(0,1) * time_scale * 2 pi
  int condition_dim = 32;                           // width of the state embedding c'
  int embedding_dim = 128;                          // width of the time/condition embedding e

  template <class V>
  void visit(V& v);
};

// A network with its condition and the time points of a fixed grid bound in advance, so that
// everything that does not depend on x is computed once per sampling call instead of once per step.
// Only valid while the network's weights do not change.
class PreparedNetwork {
 public:
  virtual ~PreparedNetwork() = default;
  // The network's output at time point `index` of the grid given to prepare(): [B, A].
  virtual torch::Tensor operator()(int64_t index, const torch::Tensor& x) = 0;
};

class GenerativeNetworkImpl : public torch::nn::Module {
 public:
  // state_dim 0 means an unconditional model (condition is then ignored and may be undefined).
  GenerativeNetworkImpl(int64_t action_dim, int64_t state_dim);

  // t: [B], x: [B, A], condition: [B, S] -> [B, A]. Differentiable (used for training and autograd).
  virtual torch::Tensor forward(const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor& condition) = 0;

  // times: [T] grid points, condition: [B, S]. The default simply calls forward(); backbones override it
  // with a path that precomputes the x-independent parts. Meant for inference (no autograd needed).
  virtual std::unique_ptr<PreparedNetwork> prepare(const torch::Tensor& times, const torch::Tensor& condition);

  int64_t action_dim() const { return action_dim_; }
  int64_t state_dim() const { return state_dim_; }

 protected:
  // t as [B]: a 0-dim t is expanded to x's batch, [B, 1] is squeezed.
  static torch::Tensor batch_time(const torch::Tensor& t, const torch::Tensor& x);
  // Throws std::invalid_argument naming the network and the offending shape.
  void check_inputs(const char* network, const torch::Tensor& t, const torch::Tensor& x,
                    const torch::Tensor& condition) const;

 private:
  int64_t action_dim_, state_dim_;
};
TORCH_MODULE(GenerativeNetwork);

using GenerativeNetworkFactory =
    std::function<GenerativeNetwork(const GenerativeNetworkConfig& config, int64_t action_dim, int64_t state_dim)>;

// Holds the built-in backbones; plugins add theirs with add().
Registry<GenerativeNetworkFactory>& generative_network_registry();

// Builds config.name; throws RegistryError (listing known names) for an unknown name.
GenerativeNetwork make_generative_network(const GenerativeNetworkConfig& config, int64_t action_dim,
                                          int64_t state_dim);

int64_t parameter_count(const torch::nn::Module& module);

}  // namespace grl::networks
