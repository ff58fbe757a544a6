// LibTorch views of a VecEnv's buffers, for batched policies. Kept apart from vec_env.h so that
// the env library's interface needs no LibTorch.
#pragma once

#include <torch/torch.h>

#include "envs/vec_env.h"

namespace grl::envs {

// [N, obs_dim] float32 copy of the current observations, on `device`.
torch::Tensor observations_tensor(const VecEnv& env, const torch::Device& device);
// [N, obs_dim] float32 copy of the final observations (auto-reset), on `device`.
torch::Tensor final_observations_tensor(const VecEnv& env, const torch::Device& device);
// [N] float32 rewards, and [N] bool terminal / timeout flags, on `device`.
torch::Tensor rewards_tensor(const VecEnv& env, const torch::Device& device);
torch::Tensor terminals_tensor(const VecEnv& env, const torch::Device& device);
torch::Tensor timeouts_tensor(const VecEnv& env, const torch::Device& device);

// Steps with `actions` [N, act_dim] of any floating dtype on any device (copied to contiguous
// CPU float32). `active`, when defined, is an [N] bool mask of the envs to step.
void step(VecEnv& env, const torch::Tensor& actions, const torch::Tensor& active = {});

}  // namespace grl::envs
