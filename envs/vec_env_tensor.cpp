#include "envs/vec_env_tensor.h"
#include "common/tensor_shape.h"

#include <stdexcept>

namespace grl::envs {

namespace {

torch::Tensor copy_rows(const float* data, int64_t rows, int64_t cols, const torch::Device& device) {
  auto cpu = torch::from_blob(const_cast<float*>(data), {rows, cols}, torch::kFloat32).clone();
  return cpu.to(device);
}

torch::Tensor copy_flags(const std::uint8_t* flags, int64_t n, const torch::Device& device) {
  auto cpu = torch::from_blob(const_cast<std::uint8_t*>(flags), {n}, torch::kUInt8).to(torch::kBool);
  return cpu.to(device);
}

}  // namespace

torch::Tensor observations_tensor(const VecEnv& env, const torch::Device& device) {
  return copy_rows(env.observations(), env.num_envs(), env.obs_dim(), device);
}

torch::Tensor final_observations_tensor(const VecEnv& env, const torch::Device& device) {
  return copy_rows(env.final_observations(), env.num_envs(), env.obs_dim(), device);
}

torch::Tensor rewards_tensor(const VecEnv& env, const torch::Device& device) {
  auto cpu = torch::from_blob(const_cast<double*>(env.rewards()), {env.num_envs()}, torch::kFloat64).to(torch::kFloat32);
  return cpu.to(device);
}

torch::Tensor terminals_tensor(const VecEnv& env, const torch::Device& device) {
  return copy_flags(env.terminals(), env.num_envs(), device);
}

torch::Tensor timeouts_tensor(const VecEnv& env, const torch::Device& device) {
  return copy_flags(env.timeouts(), env.num_envs(), device);
}

void step(VecEnv& env, const torch::Tensor& actions, const torch::Tensor& active) {
  if (actions.dim() != 2 || actions.size(0) != env.num_envs() || actions.size(1) != env.act_dim())
    throw std::invalid_argument(env.spec().id + " VecEnv: expected actions of shape [" + std::to_string(env.num_envs()) +
                                ", " + std::to_string(env.act_dim()) + "], got " + shape_of(actions));
  const auto cpu_actions = actions.detach().to(torch::kCPU, torch::kFloat32).contiguous();
  if (!active.defined()) {
    env.step(cpu_actions.data_ptr<float>());
    return;
  }
  if (active.dim() != 1 || active.size(0) != env.num_envs())
    throw std::invalid_argument(env.spec().id + " VecEnv: expected an active mask of shape [" +
                                std::to_string(env.num_envs()) + "], got " + shape_of(active));
  const auto cpu_active = active.detach().to(torch::kCPU, torch::kUInt8).contiguous();
  env.step(cpu_actions.data_ptr<float>(), cpu_active.data_ptr<std::uint8_t>());
}

}  // namespace grl::envs
