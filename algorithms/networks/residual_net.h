// GenerativeRL's "temporal-spatial residual net", the backbone of the published D4RL results.
//
//   phi = [sin(t W), cos(t W)]                              Gaussian-Fourier time features
//   c'  = SiLU(Linear(S, 32)(state))                        state embedding
//   e   = Linear(128, 128)(SiLU(Linear(64, 128)([phi, c'])))  time/condition embedding
//
//   block(in -> out; e): h = SiLU(Linear(in, out)(x)) + Linear(128, out)(SiLU(e))
//                        h = SiLU(Linear(out, out)(h))
//                        y = h + (in != out ? Linear(in, out)(x) : x)
//
//   hidden (512, 256, 128):  d0 = B(A -> 512)(x)      d1 = B(512 -> 256)(d0)   d2 = B(256 -> 128)(d1)
//                            u = B(128 -> 128)(d2)    u = B(256 -> 256)([u, d2])  u = B(512 -> 512)([u, d1])
//                            out = Linear(1024, A)([u, d0])
//
// An unconditional net (S = 0) feeds phi alone to the embedding: e = Linear(E, E)(SiLU(Linear(2F, E)(phi))).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <vector>

#include "algorithms/networks/generative_network.h"
#include "algorithms/networks/time_encoding.h"

namespace grl::networks {

// e(t, state): the embedding every residual block is conditioned on.
class TimeConditionEmbeddingImpl : public torch::nn::Module {
 public:
  TimeConditionEmbeddingImpl(int64_t state_dim, const GenerativeNetworkConfig& config);

  // t: [B], condition: [B, S] (ignored when S = 0) -> e: [B, embedding_dim]
  torch::Tensor forward(const torch::Tensor& t, const torch::Tensor& condition);
  // c' = SiLU(Linear(S, condition_dim)(condition))
  torch::Tensor encode_condition(const torch::Tensor& condition);

  // e for every (time point, state) pair: times [T], condition [B, S] -> [T, B, embedding_dim].
  // Uses Linear(64, 128)([phi, c']) = W_phi phi + W_c c' + b, so phi and c' are each projected once.
  torch::Tensor forward_grid(const torch::Tensor& times, const torch::Tensor& condition);

  int64_t state_dim() const { return state_dim_; }
  int64_t embedding_dim() const { return output->options.out_features(); }

  GaussianFourierTimeEncoding time_encoding{nullptr};
  torch::nn::Linear condition{nullptr};  // S -> condition_dim (absent when S = 0)
  torch::nn::Linear hidden{nullptr};     // [phi, c'] -> embedding_dim
  torch::nn::Linear output{nullptr};     // embedding_dim -> embedding_dim

 private:
  int64_t state_dim_;
};
TORCH_MODULE(TimeConditionEmbedding);

class ResidualBlockImpl : public torch::nn::Module {
 public:
  ResidualBlockImpl(int64_t input_dim, int64_t output_dim, int64_t embedding_dim);

  // x: [B, in], e: [B, E] -> [B, out]
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& e);
  // The same with the embedding's contribution Linear(E, out)(SiLU(e)) already computed: [B, out].
  // Overwrites nothing it is given; uses in-place ops on its own intermediates.
  torch::Tensor forward_projected(const torch::Tensor& x, const torch::Tensor& embedding_projection);

  int64_t input_dim() const { return dense1->options.in_features(); }
  int64_t output_dim() const { return dense1->options.out_features(); }

  torch::nn::Linear dense1{nullptr};           // in -> out
  torch::nn::Linear time_projection{nullptr};  // E -> out, applied to SiLU(e)
  torch::nn::Linear dense2{nullptr};           // out -> out
  torch::nn::Linear skip{nullptr};             // in -> out, only when in != out
};
TORCH_MODULE(ResidualBlock);

class TemporalSpatialResidualNetImpl : public GenerativeNetworkImpl {
 public:
  TemporalSpatialResidualNetImpl(int64_t action_dim, int64_t state_dim, const GenerativeNetworkConfig& config = {});

  torch::Tensor forward(const torch::Tensor& t, const torch::Tensor& x, const torch::Tensor& condition) override;

  // Precomputes c', e and every block's Linear(E, out)(SiLU(e)) for all grid points with one matmul;
  // a step then runs only the x-dependent layers. Equals forward() up to float rounding.
  std::unique_ptr<PreparedNetwork> prepare(const torch::Tensor& times, const torch::Tensor& condition) override;

  TimeConditionEmbedding embedding{nullptr};
  std::vector<ResidualBlock> down;  // d_i = down[i](d_{i-1})  (down[0] takes x)
  ResidualBlock middle{nullptr};
  std::vector<ResidualBlock> up;    // u = up[j]([u, d_{L-1-j}])
  torch::nn::Linear last{nullptr};  // [u, d0] -> A

  // All blocks in evaluation order: down..., middle, up...
  std::vector<ResidualBlock> blocks() const;

  // The x-dependent weights packed for the bf16 kernels (InferencePrecision::bf16), made on first use
  // and again whenever a weight has changed (new storage or an in-place update since).
  struct Bf16Weights;
  std::shared_ptr<const Bf16Weights> bf16_weights();

 private:
  std::shared_ptr<const Bf16Weights> bf16_weights_;
};
TORCH_MODULE(TemporalSpatialResidualNet);

}  // namespace grl::networks
