// A generative policy = network + probability path + model parameterisation + solver.
//
//   GenerativePolicyConfig config;            // or config::load<GenerativePolicyConfig>(file)
//   config.path = "gvp";
//   GenerativePolicy policy(config, /*state_dim=*/17, /*action_dim=*/6);
//   torch::Tensor loss = policy->loss(actions, states);   // train: flow/score matching
//   torch::Tensor a = policy->act(states);                // [B, A]: one action per state
//   torch::Tensor k = policy->sample(states, 16);         // [B, 16, A]: 16 actions per state
//   policy->save("policy.pt");  auto same = load_generative_policy("policy.pt");
//
// Sampling follows the caller's grad mode: under torch::NoGradGuard or c10::InferenceMode, the Euler
// solver runs a fast path (the network's x-independent parts precomputed once per call, see
// PreparedNetwork); with autograd on, gradients flow through every solver step to the parameters.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <string>

#include "algorithms/generative/likelihood.h"
#include "algorithms/generative/losses.h"
#include "algorithms/generative/model_type.h"
#include "algorithms/generative/path.h"
#include "algorithms/generative/sampling.h"
#include "algorithms/networks/generative_network.h"

namespace grl {

struct GenerativePolicyConfig {
  std::string path = "gvp";             // vpsde, gvp, linear (diffusion); icfm, otcfm (flow)
  std::string model_type = "velocity";  // score, noise, velocity, data (flow paths: velocity)
  std::string loss = "flow_matching";   // flow_matching, score_matching, score_matching_ml
  std::string solver = "euler";         // euler, heun, rk4, dopri5, sde, dpm_solver, ddpm
  int grid_points = 32;                 // fixed-grid solvers and ddpm: grid_points - 1 steps (benchmark: 32)
  bool ddpm_clip = false;               // ddpm: clip each x0 prediction to [-1, 1] (Diffusion-QL, IDQL)
  int loss_time_steps = 0;              // > 0: train on the T-point DDPM grid (ddpm.h) instead of t ~ U
  bool fast_inference = true;           // Euler without autograd: precompute the x-independent parts
  // Path parameters.
  double beta0 = 0.1;                   // vpsde: beta(t) = beta0 + t (beta1 - beta0)
  double beta1 = 20.0;
  bool reference_compat = false;        // reproduce the Python framework's vpsde s' / gvp g^2
  double flow_sigma = 0.1;              // icfm / otcfm: x_t = (1-t) x0 + t x1 + sigma z
  // Adaptive (dopri5) and DPM-Solver settings.
  double rtol = 1e-5;
  double atol = 1e-5;
  int dpm_order = 2;
  int dpm_steps = 10;
  bool dpm_multistep = true;
  std::string dpm_form = "data";        // noise (DPM-Solver) or data (DPM-Solver++)
  networks::GenerativeNetworkConfig network;

  template <class V>
  void visit(V& v);
};

class GenerativePolicyImpl : public torch::nn::Module {
 public:
  // Builds the network on the CPU (move it with ->to(device)); state_dim 0 makes an unconditional
  // model whose "states" are [B, 0]. Throws std::invalid_argument for inconsistent settings (a flow
  // path with a non-velocity model, DPM-Solver on a flow path, ...).
  GenerativePolicyImpl(GenerativePolicyConfig config, int64_t state_dim, int64_t action_dim);

  // One action per state from fresh N(0, I) noise: states [B, S] -> [B, A]. No clipping.
  torch::Tensor act(const torch::Tensor& states, c10::optional<at::Generator> generator = c10::nullopt);
  // K actions per state: states [B, S] -> [B, K, A]; sample [b, k] is conditioned on state b.
  torch::Tensor sample(const torch::Tensor& states, int64_t samples_per_state,
                       c10::optional<at::Generator> generator = c10::nullopt);
  // The solver run from the given noise [B, A] (deterministic for ODE solvers): [B, A].
  torch::Tensor sample_from_noise(const torch::Tensor& states, const torch::Tensor& noise,
                                  c10::optional<at::Generator> generator = c10::nullopt);

  // Generative loss of dataset actions [B, A] given states [B, S]: per sample [B] and mean.
  torch::Tensor loss_per_sample(const torch::Tensor& actions, const torch::Tensor& states,
                                c10::optional<at::Generator> generator = c10::nullopt);
  torch::Tensor loss(const torch::Tensor& actions, const torch::Tensor& states,
                     c10::optional<at::Generator> generator = c10::nullopt) {
    return loss_per_sample(actions, states, generator).mean();
  }
  // log pi(a | s) by the instantaneous change of variables: [B].
  torch::Tensor log_prob(const torch::Tensor& actions, const torch::Tensor& states,
                         const generative::LikelihoodOptions& options = {});

  // The network as the generative core's model function (plain differentiable forward).
  generative::ModelFunction model_function() const;
  generative::SamplerOptions sampler_options() const;

  // Writes weights, buffers and the config to one file, atomically (temp + rename).
  void save(const std::filesystem::path& file) const;

  const GenerativePolicyConfig& config() const { return config_; }
  const generative::GenerativePath& path() const { return path_; }
  generative::ModelType model_type() const { return model_type_; }
  int64_t state_dim() const { return state_dim_; }
  int64_t action_dim() const { return action_dim_; }
  torch::Device device() const;

  networks::GenerativeNetwork network{nullptr};

 private:
  torch::Tensor condition_of(const torch::Tensor& states) const;  // undefined when S = 0
  torch::Tensor sample_euler_prepared(const torch::Tensor& condition, const torch::Tensor& noise);

  GenerativePolicyConfig config_;
  int64_t state_dim_, action_dim_;
  generative::GenerativePath path_;
  generative::ModelType model_type_;
  generative::SolverKind solver_;
  std::shared_ptr<generative::GenerativeLoss> loss_;
};
TORCH_MODULE(GenerativePolicy);

// Reads a file written by save(); needs nothing else. Tensors are placed on `device`.
// Throws std::runtime_error naming the file if it is missing or not a generative policy.
GenerativePolicy load_generative_policy(const std::filesystem::path& file,
                                        const torch::Device& device = torch::kCPU);

// Copies every parameter and buffer of `from` into `to` (same config and sizes), e.g. to start a
// GMPG policy as a copy of the behaviour model.
void copy_policy_weights(const GenerativePolicyImpl& from, GenerativePolicyImpl& to);

}  // namespace grl
