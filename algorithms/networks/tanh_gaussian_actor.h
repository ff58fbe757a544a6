// The tanh-Gaussian actor of SAC (Haarnoja et al. 2018), also used by CQL and the IQL baseline:
//
//   h = ReLU(fc1(ReLU(fc0(s))))                 hidden widths {256, 256} by default
//   mean = last_fc(h),  log_std = clamp(last_fc_log_std(h), log_std_min, log_std_max)
//   u ~ N(mean, exp(log_std)^2),  a = tanh(u)
//   log pi(a|s) = sum_i [log N(u_i; mean_i, std_i) - log(1 - tanh(u_i)^2)]
//
// The layer names are rlkit's TanhGaussianPolicy names, which D4RL stores in its files as
// metadata/policy/{fc0, fc1, last_fc, last_fc_log_std}/{weight, bias}; policy_weights() gives exactly
// those entries, so a dataset we record carries its behaviour policy the way D4RL's do.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace grl::networks {

struct TanhGaussianActorConfig {
  std::vector<int> hidden = {256, 256};
  double log_std_min = -20.0;  // rlkit's LOG_SIG_MIN / LOG_SIG_MAX
  double log_std_max = 2.0;

  template <class V>
  void visit(V& v);
};

// log(1 - tanh(u)^2) = log |d tanh(u)/du|, computed as 2 (log 2 - u - softplus(-2u)) so that it stays
// finite for |u| large.
torch::Tensor tanh_log_det_jacobian(const torch::Tensor& pre_tanh);
// log pi(tanh(u)) for a diagonal Gaussian over u: [B, A] -> [B].
torch::Tensor tanh_gaussian_log_prob(const torch::Tensor& mean, const torch::Tensor& log_std, const torch::Tensor& pre_tanh);

struct TanhGaussianSample {
  torch::Tensor action;    // tanh(u): [B, A]
  torch::Tensor log_prob;  // [B]
  torch::Tensor pre_tanh;  // u: [B, A]
};

class TanhGaussianActorImpl : public torch::nn::Module {
 public:
  TanhGaussianActorImpl(int64_t state_dim, int64_t action_dim, TanhGaussianActorConfig config = {});

  // (mean, clamped log_std), each [B, A].
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& states);
  // Reparameterised sample (gradients flow to the parameters through mean and std).
  TanhGaussianSample sample(const torch::Tensor& states, c10::optional<at::Generator> generator = c10::nullopt);
  // tanh(mean): the deterministic action SAC is evaluated with.
  torch::Tensor deterministic_action(const torch::Tensor& states);
  // log pi(a|s) of given actions in (-1, 1) (dataset actions: clamped to +-(1 - 1e-6) before atanh,
  // as the IQL and CQL baselines do): [B].
  torch::Tensor log_prob(const torch::Tensor& states, const torch::Tensor& actions);

  // "fc0/weight", ..., "last_fc_log_std/bias" -> detached CPU float32 copies.
  std::map<std::string, torch::Tensor> policy_weights() const;
  // Loads entries named as policy_weights() gives them; throws std::invalid_argument naming a missing
  // entry or one whose shape differs.
  void load_policy_weights(const std::map<std::string, torch::Tensor>& weights);

  int64_t state_dim() const { return state_dim_; }
  int64_t action_dim() const { return action_dim_; }
  const TanhGaussianActorConfig& config() const { return config_; }

 private:
  int64_t state_dim_, action_dim_;
  TanhGaussianActorConfig config_;
  std::vector<torch::nn::Linear> hidden_;
  torch::nn::Linear last_fc_{nullptr}, last_fc_log_std_{nullptr};
};
TORCH_MODULE(TanhGaussianActor);

}  // namespace grl::networks
